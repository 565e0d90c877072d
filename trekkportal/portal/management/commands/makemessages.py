"""Django's makemessages without msgmerge's fuzzy matching: its guesses were wrong more often
than right, and a fuzzy entry fails the catalogue test."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
