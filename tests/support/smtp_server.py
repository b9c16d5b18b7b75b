#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the SMTP tests, behaving like one provider.

Started by the Rust tests as a child process on a loopback port and killed by PID. Prints READY when
it accepts connections. Personas enforce each provider's rules from the seed guides:

  sendgrid  username must be the literal "apikey" and the password the key (--secret); a --revoked
            key gets SendGrid's "authorization grant" reply; any other sign-in gets
            "535 Authentication failed: Bad username / password". A From address not in --verified is
            refused with SendGrid's 550 Sender Identity reply only after DATA.
  postmark  username == password == the Server API Token (--secret); the --account-token gets a
            "ServerAPI key required"-style 535; anything else 535. A From address not in --verified is
            refused at RCPT with a Sender Signature 550.

Accepted messages are written to --maildir as N.eml (the raw message) and N.env (MAIL FROM with its
parameters, RCPT TO); every MAIL command the server receives is appended to mail.log (address and
parameters), so a test can prove that none came. --smtputf8 offers SMTPUTF8 (RFC 6531) in EHLO and
accepts UTF-8 addresses; without it the server is strict ASCII, as aiosmtpd's default.
"""

import argparse
import asyncio
import itertools
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["starttls", "implicit"], required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--persona", choices=["sendgrid", "postmark"], required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--revoked", default="")
    ap.add_argument("--account-token", default="")
    ap.add_argument("--verified", default="", help="comma-separated From addresses allowed to send")
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--banner-host", default="localhost")
    ap.add_argument("--smtputf8", action="store_true", help="offer SMTPUTF8 in EHLO")
    args = ap.parse_args()

    verified = {a.strip().lower() for a in args.verified.split(",") if a.strip()}
    counter = itertools.count(1)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)

    def fail(message):
        return AuthResult(success=False, handled=False, message=message)

    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return fail("535 5.7.8 Authentication failed")
        user = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        if args.persona == "sendgrid":
            if user == "apikey" and password == args.secret:
                return AuthResult(success=True)
            if args.revoked and password == args.revoked:
                return fail("535 The provided authorization grant is invalid, expired, or revoked")
            return fail("535 Authentication failed: Bad username / password")
        if args.account_token and args.account_token in (user, password):
            return fail("535 5.7.8 ServerAPI key required: an Account API token cannot send over SMTP")
        if user == password == args.secret:
            return AuthResult(success=True)
        return fail("535 5.7.8 Authentication failed")

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            with open(os.path.join(args.maildir, "mail.log"), "a", encoding="utf-8") as f:
                f.write("%s %s\n" % (address, " ".join(mail_options)))
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if args.persona == "postmark" and (envelope.mail_from or "").lower() not in verified:
                return ("550 5.7.1 Sender signature not confirmed: the From address is not a "
                        "confirmed Sender Signature on this server")
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if args.persona == "sendgrid" and (envelope.mail_from or "").lower() not in verified:
                return ("550 The from address does not match a verified Sender Identity. Mail cannot "
                        "be sent until this error is resolved.")
            n = next(counter)
            base = os.path.join(args.maildir, str(n))
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            with open(base + ".env", "w", encoding="utf-8") as f:
                f.write("MAIL FROM:%s %s\nRCPT TO:%s\n" % (
                    envelope.mail_from, " ".join(envelope.mail_options), ",".join(envelope.rcpt_tos)))
            os.rename(base + ".eml.tmp", base + ".eml")
            return "250 2.0.0 Ok: queued as TEST%04d" % n

    common = dict(
        hostname="127.0.0.1",
        port=args.port,
        server_hostname=args.banner_host,
        authenticator=authenticator,
        enable_SMTPUTF8=args.smtputf8,
    )
    if args.mode == "implicit":
        # TLS from the first byte: the session is encrypted, so AUTH is offered without STARTTLS.
        controller = Controller(Handler(), ssl_context=ctx, auth_require_tls=False, **common)
    else:
        controller = Controller(Handler(), tls_context=ctx, require_starttls=True, **common)
    controller.start()
    print("READY", flush=True)

    def stop(*_):
        controller.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.pause()


if __name__ == "__main__":
    main()
