"""/quiz: a "Who said it?" quiz poll from a real quotation."""
from __future__ import annotations

from telegram import InputPollOption, Update
from telegram.constants import PollType
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.config import Settings
from handlers.reply import core, send_answer


async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a quiz poll; the explanation shown after voting cites the source."""
    answer = core(context, update).answer("quiz")
    if answer.poll is None:
        await send_answer(update, context, answer)
        return
    poll = answer.poll
    # Poll texts are plain: quotations may hold "<" or "&", which the HTML default would try to parse.
    await update.effective_message.reply_poll(
        poll.question, [InputPollOption(o, text_parse_mode=None) for o in poll.options],
        type=PollType.QUIZ, correct_option_ids=[poll.correct], explanation=poll.explanation,
        is_anonymous=False, question_parse_mode=None, explanation_parse_mode=None)


def register(application: Application, settings: Settings) -> None:
    application.add_handler(CommandHandler("quiz", quiz))
