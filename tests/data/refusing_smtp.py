"""An SMTP handler for the tests: it refuses every recipient, as a mail server does for a
mailbox it does not know. Run with `python3 -m aiosmtpd -c refusing_smtp.Refuse`."""


class Refuse:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 mailbox unavailable"
