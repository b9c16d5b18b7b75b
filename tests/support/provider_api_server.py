#!/usr/bin/env python3
"""A local HTTPS server answering like the providers' APIs (PROVIDER-APIS.md), for the pre-flight tests.

Started by the Rust tests on a loopback port (port 0: the OS picks; printed as "READY <port>") with a
throwaway CA's certificate, and killed by PID. One server plays every provider, each under its own
path prefix, so the tests set INFLOWAVE_API_URL_<X>=https://127.0.0.1:<port>/<prefix>:

  /sendgrid /sendgrid-eu /postmark /mailgun /mailgun-eu /resend /brevo

SG_FULL is tests/support/smtp_harness.rs's SENDGRID_KEY (the SMTP server's key too). What a key gets is
decided by the key itself (tests/support/api_harness.rs reads the constants below from this file);
bodies are the providers' documented or observed ones, byte for byte where the document says so.
Every request's headers are checked: the key must arrive only in the provider's auth header, never in
the URL (a key in the path or query gets HTTP 599, which no check treats as an answer).
"""

import argparse
import base64
import json
import os
import re
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SG_FULL = "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"
SG_NO_SEND = "SG.NoSendKeyNoSendKeyNoNo.SendKeyNoSendKeyNoSendKeyNoSendKeyNoSendKey"
SG_REVOKED = "SG.Rv0kEdKeyRv0kEdKeyRv0k.Rv0kEdKeyRv0kEdKeyRv0kEdKeyRv0kEdKeyRv0kEdK"
SG_WRONG = "SG.Wr0ngCredWr0ngCredWr0W.ngCredWr0ngCredWr0ngCredWr0ngCredWr0ngCredW"
SG_EU = "SG.EuRegionKeyEuRegionKeE.yEuRegionKeyEuRegionKeyEuRegionKeyEuRegionK"
SG_SLOW = "SG.S1owKeyS1owKeyS1owKeyS.S1owKeyS1owKeyS1owKeyS1owKeyS1owKeyS1owKeyS"
SG_MALFORMED = "SG.Ma1formedMa1formedMa1M.formedMa1formedMa1formedMa1formedMa1formedM"
SG_RATE = "SG.RateLimitedRateLimiteR.dRateLimitedRateLimitedRateLimitedRateLimit"
SG_FAIL = "SG.ServerErrorServerErroS.rServerErrorServerErrorServerErrorServerErr"
SG_SUBUSER = "SG.SubuserKeySubuserKeySu.buserKeySubuserKeySubuserKeySubuserKeySubus"
SG_NO_WL = "SG.MailSendOnlyMailSendOn.lyMailSendOnlyMailSendOnlyMailSendOnlyMailS"

PM_SERVER = "3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c"
PM_SANDBOX = "5a5a5a5a-0000-4000-8000-5a5a5a5a5a5a"
PM_ACCOUNT = "9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a"

RE_FULL = "re_FullAccessKey_1234567890abcdef"
RE_SEND = "re_SendingOnlyKey_1234567890abcdef"
RE_BAD = "re_BadKey_1234567890abcdef12345678"

BREVO_API = "xkeysib-abababababababababababababababababababababababababababababababab-Brev0Api12345678"
BREVO_NO_RELAY = "xkeysib-cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd-N0Relay123456789"

MG_US = "key-0123456789abcdef0123456789abcdef"
MG_EU = "0123456789abcdef0123456789abcdef-0a1b2c3d-4e5f6a7b"
MG_BOTH = "fedcba9876543210fedcba9876543210-1a2b3c4d-5e6f7a8b"

ALL_KEYS = [v for k, v in dict(globals()).items() if k.isupper() and isinstance(v, str)]

PM_INVALID_SERVER = b'{"ErrorCode":10,"Message":"Request does not contain a valid Server token."}'
PM_INVALID_ACCOUNT = b'{"ErrorCode":10,"Message":"Request does not contain a valid Account token."}'
SG_REVOKED_BODY = b'{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked","field":null,"help":null}]}'
SG_WRONG_BODY = b'{"errors":[{"message":"Permission denied, wrong credentials","field":null,"help":null}]}'


def server_object(server_id, name, token, smtp, delivery):
    return {
        "ID": server_id, "Name": name, "ApiTokens": [token], "Color": "blue",
        "SmtpApiActivated": smtp, "RawEmailEnabled": False, "DeliveryType": delivery,
        "ServerLink": "https://account.postmarkapp.com/servers/%d/streams" % server_id,
        "InboundAddress": "0a1b2c3d@inbound.postmarkapp.com", "InboundHookUrl": "", "BounceHookUrl": "",
        "OpenHookUrl": "", "DeliveryHookUrl": "", "PostFirstOpenOnly": False, "InboundDomain": "",
        "InboundHash": "0a1b2c3d", "InboundSpamThreshold": 0, "TrackOpens": False, "TrackLinks": "None",
        "IncludeBounceContentInHook": False, "ClickHookUrl": "", "EnableSmtpApiErrorHooks": False,
    }


def stream(stream_id, name, kind, handling):
    return {
        "ID": stream_id, "ServerID": 1234567, "Name": name, "Description": None,
        "MessageStreamType": kind, "CreatedAt": "2020-07-01T00:00:00-04:00", "UpdatedAt": None,
        "ArchivedAt": None, "ExpectedPurgeDate": None,
        "SubscriptionManagementConfiguration": {"UnsubscribeHandlingType": handling},
    }


def sendgrid_domain(domain, user_id, valid_dkim2, username=None, subdomain="em1234", subusers=None):
    item = {
        "id": user_id * 10 + 1, "user_id": user_id, "subdomain": subdomain, "domain": domain,
        "username": username or "jane@" + domain,
        "ips": [], "custom_spf": False, "default": True, "legacy": False, "automatic_security": True,
        "valid": valid_dkim2,
        "dns": {
            "mail_cname": {"valid": True, "type": "cname", "host": subdomain + "." + domain,
                           "data": "u%d.wl.sendgrid.net" % user_id},
            "dkim1": {"valid": True, "type": "cname", "host": "s1._domainkey." + domain,
                      "data": "s1.domainkey.u%d.wl.sendgrid.net" % user_id},
            "dkim2": {"valid": valid_dkim2, "type": "cname", "host": "s2._domainkey." + domain,
                      "data": "s2.domainkey.u%d.wl.sendgrid.net" % user_id},
        },
        "last_validation_attempt_at": 1764400000,
    }
    if subusers is not None:
        item["subusers"] = subusers
    return item


# SendGrid's users: the parent account (user 1234) and its subuser acme-marketing (user 5678). The
# parent's list includes its subusers' domains unless exclude_subusers=true (each with its owner's
# username); a subuser sees only its own (not the parent's domains assigned to it).
SG_SUBUSER_NAME = "acme-marketing"
SG_PARENT_DOMAINS = [
    # tests/fixtures/dns/good-sg.test.zone; assigned to the subuser too.
    sendgrid_domain("good-sg.test", 1234, True, subusers=[{"user_id": 5678, "username": SG_SUBUSER_NAME}]),
    sendgrid_domain("broken-sg.test", 9, False),  # no zone: SendGrid marks s2 not valid
    # tests/fixtures/dns/sg-noroot.test.zone serves u1234's targets; SendGrid now lists user 4321's
    # (the domain was authenticated again under another user) and still marks them valid.
    sendgrid_domain("sg-noroot.test", 4321, True),
    # bücher.test: SendGrid lists an internationalized domain by its A-labels only.
    sendgrid_domain("xn--bcher-kva.test", 1234, True),
]
SG_SUBUSER_DOMAINS = [
    # tests/fixtures/dns/sub-sg.test.zone
    sendgrid_domain("sub-sg.test", 5678, True, username=SG_SUBUSER_NAME, subdomain="em5678"),
]


def zone_txt(zone, host):
    """The TXT value at host in tests/fixtures/dns/<zone>.zone (its strings joined)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "dns", zone + ".zone")
    for line in open(path, encoding="utf-8"):
        if line.split()[:2] == [host, "TXT"]:
            return "".join(re.findall(r'"([^"]*)"', line))
    raise KeyError(host)


def mailgun_domain(name, selector, tracking, dkim_value, dkim_valid="valid", state="active"):
    """GET /v3/domains/{name}, shaped like Mailgun's documented 200 (domain, receiving and sending records)."""
    mx = lambda host: {"is_active": True, "cached": [], "priority": "10", "record_type": "MX",
                       "valid": "unknown", "value": host}
    return {
        "domain": {"created_at": "Mon, 01 Jan 2024 00:00:00 GMT", "id": "65a1b2c3d4e5f60718293a4b",
                   "is_disabled": False, "name": name, "require_tls": False, "skip_verification": False,
                   "smtp_login": "postmaster@" + name, "spam_action": "disabled", "state": state,
                   "type": "custom", "use_automatic_sender_security": True, "web_prefix": "email",
                   "web_scheme": "https", "wildcard": False},
        "receiving_dns_records": [mx("mxa." + tracking), mx("mxb." + tracking)],
        "sending_dns_records": [
            {"is_active": True, "cached": ["v=spf1 include:mailgun.org ~all"], "name": name,
             "record_type": "TXT", "valid": "valid", "value": "v=spf1 include:mailgun.org ~all"},
            {"is_active": True, "cached": [], "name": selector + "._domainkey." + name,
             "record_type": "TXT", "valid": dkim_valid, "value": dkim_value},
            {"is_active": True, "cached": [], "name": "email." + name, "record_type": "CNAME",
             "valid": "unknown", "value": tracking},
        ],
    }


def mailgun_domains(eu):
    """Each region's sending domains, by name (the fixture zones tests/fixtures/dns/mg-*.test.zone)."""
    if eu:
        # Mailgun shows the key as k=rsa; p=…; the zone publishes it after v=DKIM1.
        shown = "k=rsa; p=" + zone_txt("mg-eu.test", "krs._domainkey").split("p=", 1)[1]
        return {"mg-eu.test": mailgun_domain("mg-eu.test", "krs", "eu.mailgun.org", shown)}
    current_key = zone_txt("mg-good.test", "pic._domainkey")
    return {
        "mg-good.test": mailgun_domain("mg-good.test", "pic", "mailgun.org", current_key),
        # DNS still serves the old key; Mailgun lists the new one, marked valid from its last check.
        "mg-stale.test": mailgun_domain("mg-stale.test", "pic", "mailgun.org", current_key),
        "mg-unverified.test": mailgun_domain("mg-unverified.test", "pic", "mailgun.org", current_key,
                                             dkim_valid="invalid", state="unverified"),
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # one line per request on stderr, for failing tests
        sys.stderr.write("%s %s\n" % (self.command, self.path))

    def send(self, status, body, content_type="application/json; charset=utf-8", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        if any(k in self.path for k in ALL_KEYS):
            return self.send(599, b"key in the URL", "text/plain")
        prefix, _, rest = url.path.lstrip("/").partition("/")
        query = parse_qs(url.query)
        route = getattr(self, "api_" + prefix.replace("-", "_"), None)
        if route is None:
            return self.send(404, b"no such provider", "text/plain")
        route("/" + rest, query)

    # --- SendGrid (global and EU) -------------------------------------------------------------
    def bearer(self):
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    def sendgrid(self, path, query, eu):
        key = self.bearer()
        limits = [("X-RateLimit-Limit", "600"), ("X-RateLimit-Remaining", "599"), ("X-RateLimit-Reset", "1764480000")]
        if key is None:
            return self.send(401, {"errors": [{"field": None, "message": "authorization required"}]})
        if key == SG_SLOW:
            time.sleep(30)
        if key == SG_MALFORMED:
            return self.send(200, b'{"scopes":["mail.send",', headers=limits)
        if key == SG_RATE:
            return self.send(429, {"errors": [{"field": None, "message": "too many requests"}]},
                             headers=[("X-RateLimit-Limit", "600"), ("X-RateLimit-Remaining", "0"),
                                      ("X-RateLimit-Reset", str(int(time.time()) + 120))])
        if key == SG_FAIL:
            return self.send(500, b"<html>Internal Server Error</html>", "text/html")
        if key == SG_WRONG:
            return self.send(401, SG_WRONG_BODY, "application/json", limits)
        known = {SG_FULL: ["mail.send", "alerts.read", "whitelabel.read", "sender_verification_eligible"],
                 SG_NO_SEND: ["alerts.read", "whitelabel.read", "sender_verification_eligible"],
                 SG_SUBUSER: ["mail.send", "whitelabel.read"],
                 SG_NO_WL: ["mail.send"]}
        if eu:
            known = {SG_EU: ["mail.send", "whitelabel.read"]}
        if key not in known:
            return self.send(401, SG_REVOKED_BODY, "application/json", limits)
        if path == "/v3/scopes":
            return self.send(200, {"scopes": known[key]}, "application/json", limits)
        if path == "/v3/whitelabel/domains":
            if "whitelabel.read" not in known[key]:
                return self.send(403, {"errors": [{"field": None, "message": "access forbidden"}]},
                                 "application/json", limits)
            # "Search for authenticated domains": a part of the name matches.
            search = query.get("domain", [""])[0]
            exclude = query.get("exclude_subusers", ["false"])[0] == "true"
            behalf = self.headers.get("on-behalf-of")
            if key == SG_SUBUSER or (behalf == SG_SUBUSER_NAME and key in (SG_FULL, SG_NO_SEND)):
                items = SG_SUBUSER_DOMAINS
            elif eu:
                items = []
            else:
                items = SG_PARENT_DOMAINS + ([] if exclude else SG_SUBUSER_DOMAINS)
            return self.send(200, [d for d in items if search in d["domain"]], "application/json", limits)
        return self.send(404, {"errors": [{"message": "not found", "field": None}]})

    def api_sendgrid(self, path, query):
        self.sendgrid(path, query, eu=False)

    def api_sendgrid_eu(self, path, query):
        self.sendgrid(path, query, eu=True)

    # --- Postmark ---------------------------------------------------------------------------------
    def api_postmark(self, path, query):
        if self.headers.get("Accept") != "application/json":
            return self.send(415, b"", "text/plain")
        server = self.headers.get("X-Postmark-Server-Token")
        account = self.headers.get("X-Postmark-Account-Token")
        if server is not None and account is not None:
            return self.send(401, {"ErrorCode": 10, "Message": "Please do not include Account API Token for Server API Token calls."})
        if server is None and account is None:
            return self.send(422, {"ErrorCode": 10, "Message": "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token."})
        if server is not None:
            servers = {PM_SERVER: server_object(1234567, "Production", PM_SERVER, True, "Live"),
                       PM_SANDBOX: server_object(7654321, "Staging", PM_SANDBOX, False, "Sandbox")}
            if server not in servers:
                return self.send(401, PM_INVALID_SERVER)
            if path == "/server":
                return self.send(200, servers[server])
            if path == "/message-streams":
                streams = [stream("outbound", "Default Transactional Stream", "Transactional", "None"),
                           stream("broadcast", "Default Broadcast Stream", "Broadcasts", "Postmark")]
                return self.send(200, {"MessageStreams": streams, "TotalCount": len(streams)})
            return self.send(404, b"", "text/plain")
        if account != PM_ACCOUNT:
            return self.send(401, PM_INVALID_ACCOUNT)
        if path == "/servers":
            if "count" not in query or "offset" not in query:
                return self.send(422, {"ErrorCode": 402, "Message": "count and offset are required"})
            servers = [server_object(1234567, "Production", PM_SERVER, True, "Live"),
                       server_object(7654321, "Staging", PM_SANDBOX, False, "Sandbox")]
            return self.send(200, {"TotalCount": 2, "Servers": servers})
        if path == "/domains":
            return self.send(200, {"TotalCount": 2, "Domains": [
                {"Name": "postmarkapp.com", "SPFVerified": True, "DKIMVerified": True, "WeakDKIM": False,
                 "ReturnPathDomainVerified": False, "ID": 36735},
                {"Name": "good-pm.test", "SPFVerified": True, "DKIMVerified": True, "WeakDKIM": False,
                 "ReturnPathDomainVerified": False, "ID": 81605}]})
        if path == "/domains/81605":
            return self.send(200, {
                "Name": "good-pm.test", "SPFVerified": True, "SPFHost": "good-pm.test",
                "SPFTextValue": "v=spf1 a mx include:spf.mtasv.net ~all", "DKIMVerified": True, "WeakDKIM": False,
                "DKIMHost": "20240101pm._domainkey.good-pm.test",
                # The key tests/fixtures/dns/good-pm.test.zone publishes, as Postmark shows it (no v=DKIM1).
                "DKIMTextValue": "k=rsa; p=" + zone_txt("good-pm.test", "20240101pm._domainkey").split("p=", 1)[1],
                "DKIMPendingHost": "", "DKIMPendingTextValue": "", "DKIMRevokedHost": "", "DKIMRevokedTextValue": "",
                "SafeToRemoveRevokedKeyFromDNS": False, "DKIMUpdateStatus": "Updated",
                "ReturnPathDomain": "pm-bounces.good-pm.test", "ReturnPathDomainVerified": False,
                "ReturnPathDomainCNAMEValue": "pm.mtasv.net", "ID": 81605})
        return self.send(422, {"ErrorCode": 510, "Message": "Domain not found."})

    # --- Mailgun (US and EU) ----------------------------------------------------------------------
    def mailgun(self, path, eu):
        """MG_US's account is in the US region, MG_EU's in the EU one; MG_BOTH's has domains in both
        (the same key answers on both hosts). A key on the other region's host gets 401 Forbidden."""
        auth = self.headers.get("Authorization", "")
        try:
            user, _, key = base64.b64decode(auth[len("Basic "):]).decode().partition(":")
        except Exception:  # noqa: BLE001 - anything unparsable is a missing credential
            user, key = "", ""
        owners = (MG_EU, MG_BOTH) if eu else (MG_US, MG_BOTH)
        if not auth.startswith("Basic ") or user != "api" or key not in owners:
            return self.send(401, b"Forbidden", "text/plain")
        domains = mailgun_domains(eu) if key != MG_BOTH or eu else {}
        if path == "/v3/domains":
            items = [{"id": "1", "name": "mg.example.test", "created_at": "Mon, 01 Jan 2024 00:00:00 GMT",
                      "state": "active"}]
            items += [dict(d["domain"]) for d in domains.values()]
            return self.send(200, {"total_count": len(items), "items": items})
        if path.startswith("/v3/domains/"):
            name = path[len("/v3/domains/"):]
            if name in domains:
                return self.send(200, domains[name])
        return self.send(404, {"message": "Domain not found"})

    def api_mailgun(self, path, query):
        self.mailgun(path, eu=False)

    def api_mailgun_eu(self, path, query):
        self.mailgun(path, eu=True)

    # --- Resend -----------------------------------------------------------------------------------
    def api_resend(self, path, query):
        key = self.bearer()
        if key is None:
            return self.send(401, {"statusCode": 401, "message": "Missing API key in the authorization header.", "name": "missing_api_key"})
        if key == RE_SEND:
            return self.send(401, {"statusCode": 401, "message": "This API key is restricted to only send emails", "name": "restricted_api_key"})
        if key != RE_FULL:
            return self.send(403, {"statusCode": 403, "message": "API key is invalid", "name": "invalid_api_key"})
        return self.send(200, {"object": "list", "data": [
            {"id": "d91cd9bd", "name": "good-re.test", "status": "verified", "created_at": "2024-01-01T00:00:00.000Z",
             "region": "us-east-1", "capabilities": {"sending": "enabled", "receiving": "disabled"}}]})

    # --- Brevo ------------------------------------------------------------------------------------
    def api_brevo(self, path, query):
        key = self.headers.get("api-key")
        limits = [("x-sib-ratelimit-limit", "10"), ("x-sib-ratelimit-remaining", "9"), ("x-sib-ratelimit-reset", "1")]
        if key not in (BREVO_API, BREVO_NO_RELAY):
            return self.send(401, {"code": "unauthorized", "message": "Key not found"}, headers=limits)
        return self.send(200, {
            "email": "ops@brevo.test", "firstName": "Ops", "lastName": "Team", "companyName": "Example",
            "address": {"city": "Paris", "street": "1 rue", "zipCode": "75001", "country": "France"},
            "plan": [{"type": "free", "creditsType": "sendLimit", "credits": 300}],
            "relay": {"enabled": key == BREVO_API,
                      "data": {"userName": "8a1b2c001@smtp-brevo.com", "relay": "smtp-relay.brevo.com", "port": 587}},
        }, headers=limits)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    args = ap.parse_args()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    print("READY %d" % httpd.server_address[1], flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
