"""/start (with deep links such as `/start who-blinken`) and /help."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.config import Settings
from handlers.reply import command_args, core, send_answer


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome, or open the answer a deep link names."""
    args = command_args(update).strip()
    follow = context.bot_data.get("follow_deep_link")
    if follow is not None and args.lower().startswith("follow-"):  # t.me/Bot?start=follow-blinken
        await follow(update, context, args[len("follow-"):])
        return
    await send_answer(update, context, core(context, update).answer("start", args))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every command with an example."""
    await send_answer(update, context, core(context, update).answer("help"))


def register(application: Application, settings: Settings) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
