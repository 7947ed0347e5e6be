"""Reading seed files into Documents: decoded text, headline, story paragraphs with their offsets.

Plain text (`.txt`) and Markdown (`.md`) keep offsets into the file's text as decoded from UTF-8
(BOM stripped, nothing else normalised). Web pages (`.html`, `.htm`) are reduced to their main text
by trafilatura first, so their `Document.text` is that extracted text and offsets point into it.

Lines that are not news — "See also …" links, comment forms, share and subscribe prompts — are
dropped, and bylines ("X contributed reporting from Y.") become `Document.credits`.
"""
from bot.documents.cleaning import credited_names, is_boilerplate, plain_words
from bot.documents.errors import UnreadableDocument
from bot.documents.files import name_problem, printable_name
from bot.documents.html import document_from_html
from bot.documents.markdown import document_from_markdown
from bot.documents.plain_text import document_from_text
from bot.documents.reader import (
                                  MAX_BYTES,
                                  READER_VERSION,
                                  SUPPORTED_SUFFIXES,
                                  decode,
                                  document_from_bytes,
                                  read_document,
                                  read_seed,
)

__all__ = ["MAX_BYTES", "READER_VERSION", "SUPPORTED_SUFFIXES", "UnreadableDocument", "credited_names", "decode",
           "document_from_bytes", "document_from_html", "document_from_markdown", "document_from_text",
           "is_boilerplate", "name_problem", "plain_words", "printable_name", "read_document", "read_seed"]
