"""The database named in a MongoDB URI's path, moved to `authSource`.

A URI's path names the database to authenticate against and, for mongoengine, the database
to use: `mongoengine.connect(db=..., host=uri)` lets the URI's path win over `db`. The kit
names the database itself (`LINLI_MONGO_DB`, default `linli_<service>`), while connection
strings such as the MongoDB Community Operator's (`mongodb://user:pw@hosts/admin?replicaSet=rs`)
put the users' database there, which would send every aggregate to `admin`. Moving the path
to `authSource` keeps the authentication the URI meant and leaves the choice of database to
the kit. A URI without a path (the local `mongodb://127.0.0.1:27017/`) is unchanged.
"""

from __future__ import annotations


def without_database(uri: str) -> str:
    """`uri` with its path database moved to `authSource` (unless it names one already)."""
    scheme, separator, rest = uri.partition("://")
    if not separator:
        return uri
    hosts, slash, tail = rest.partition("/")
    if not slash:
        return uri
    database, _, query = tail.partition("?")
    if not database:
        return uri
    options = [option for option in query.split("&") if option]
    if not any(option.lower().startswith("authsource=") for option in options):
        options.insert(0, f"authSource={database}")
    return f"{scheme}://{hosts}/?{'&'.join(options)}"
