"""dvemu command line: argument parsing, startup (data, socket, optional TLS), port file,
clean shutdown on SIGTERM/SIGINT.

Owns: the flags documented by `dvemu --help` (and in tests/emulator/README.md).
"""

import argparse
import os
import signal
import ssl
import sys
import threading

from . import datagen
from . import onprem
from . import schema
from . import server


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="dvemu",
        description="Local emulator of the Microsoft Dataverse Web API and the Microsoft identity "
                    "platform token endpoints, for dvodbc's tests and benchmarks. ORG URL is "
                    "http://127.0.0.1:<port> (https with --tls). Fixed identity: tenant "
                    "00000000-0000-0000-0000-00000000aaaa, client id "
                    "11111111-1111-1111-1111-111111111111, secret dvemu-secret.")
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default 0 = a free port)")
    p.add_argument("--port-file", metavar="FILE",
                   help="write the port number to FILE (via FILE.tmp + rename) once the socket accepts")
    p.add_argument("--rows", type=int, default=50,
                   help="number of accounts; contacts = N, leads = N/2, opportunities = N/2, "
                        "new_projects = N, systemusers = N/10+5 (max 2000) (default 50)")
    p.add_argument("--seed", type=int, default=1, help="data generator seed (default 1)")
    p.add_argument("--db", metavar="FILE",
                   help="keep the SQLite database in FILE and reuse it on the next start with the same "
                        "--rows/--seed (default: a temp file deleted at exit)")
    p.add_argument("--request-log", metavar="FILE",
                   help="append one JSON object per request received (method, url, headers with secrets "
                        "redacted, body, status)")
    p.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS",
                   help="lifetime of issued access tokens (default 3600)")
    p.add_argument("--page-think-ms", type=int, default=0, metavar="N",
                   help="sleep N ms before answering each collection page (default 0)")
    p.add_argument("--request-think-ms", type=int, default=0, metavar="N",
                   help="sleep N ms before answering every Web API request, pages included "
                        "(the service's time per request; default 0)")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                   help="serve HTTPS with this certificate and key (PEM); see gen_cert.sh")
    p.add_argument("--quiet", action="store_true", help="do not print the startup line")
    p.add_argument("--generate-only", action="store_true",
                   help="with --db: generate (or check) the database, then exit without serving "
                        "(benchmarks prepare 1,000,000 rows once, ahead of their timed runs)")
    p.add_argument("--real-attributes", action="store_true",
                   help="account and opportunity with every attribute of a real org's capture "
                        "(239 and 190 attributes; dvemu_lib/realorg.py)")
    p.add_argument("--custom-attributes", type=int, default=0, metavar="N",
                   help="N custom new_ attributes more on account (a customised org's width; "
                        "dvemu_lib/customattrs.py)")
    p.add_argument("--real-schema", action="store_true",
                   help="every entity set of a real org's $metadata (831; dvemu_lib/realschema.py): "
                        "EntityDefinitions, Attributes, relationships and $metadata, one row each")
    onprem.add_args(p)  # --onprem ntlm|adfs, --onprem-org (onprem.py)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    model = schema.Model(real_attributes=args.real_attributes,
                         custom_attributes=args.custom_attributes)
    if args.real_schema:
        from . import realschema
        realschema.apply(model)
    store = None
    db_path = args.db
    if db_path and os.path.exists(db_path):
        import sqlite3
        ok = False
        try:
            con = sqlite3.connect(db_path)
            row = con.execute("SELECT v FROM _dvemu_meta WHERE k = 'shape'").fetchone()
            ok = row is not None and row[0] == datagen.shape(args.rows, args.seed, model)
            con.close()
        except Exception:
            ok = False
        if not ok:
            datagen._unlink_db(db_path)
    store = datagen.Store(model, args.rows, args.seed, path=db_path)
    if args.generate_only:
        store.close()
        return 0
    httpd = server.Server(("127.0.0.1", args.port), server.Handler)
    scheme = "http"
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    port = httpd.server_address[1]
    app = server.App(model, store, args)
    app.org = "%s://127.0.0.1:%d" % (scheme, port)
    app.identity.org = app.org
    onprem.setup(app, args)  # on-prem: ORG gets the /<OrgName> path
    httpd.app = app

    stopping = threading.Event()

    def stop(signum, frame):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # the listening socket already accepts (backlog) once bound+listening: publish the port
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    if not args.quiet:
        sys.stderr.write("dvemu: serving %s (rows=%d seed=%d)\n" % (app.org, args.rows, args.seed))
        sys.stderr.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        store.close()
    return 0
