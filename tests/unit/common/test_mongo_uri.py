"""Connection strings whose path names a database: the kit's database wins, auth stays."""

from __future__ import annotations

import mongoengine
import pytest

from linli.common.mongo import connect, disconnect
from linli.common.mongo_uri import without_database

OPERATOR_URI = (
    "mongodb://linli-requests:p%40ss@linli-mongodb-0.linli-mongodb-svc.linli.svc.cluster.local:27017,"
    "linli-mongodb-1.linli-mongodb-svc.linli.svc.cluster.local:27017/admin?replicaSet=linli-mongodb&ssl=false"
)


def test_operator_connection_string_keeps_its_auth_database_as_auth_source() -> None:
    assert without_database(OPERATOR_URI) == (
        "mongodb://linli-requests:p%40ss@linli-mongodb-0.linli-mongodb-svc.linli.svc.cluster.local:27017,"
        "linli-mongodb-1.linli-mongodb-svc.linli.svc.cluster.local:27017/"
        "?authSource=admin&replicaSet=linli-mongodb&ssl=false"
    )


@pytest.mark.parametrize(
    "uri",
    [
        "mongodb://127.0.0.1:27017/",
        "mongodb://127.0.0.1:27017",
        "mongodb://127.0.0.1:27017/?replicaSet=rs",
        "not a uri",
    ],
)
def test_uris_without_a_database_are_unchanged(uri: str) -> None:
    assert without_database(uri) == uri


def test_an_explicit_auth_source_is_kept() -> None:
    uri = "mongodb://u:p@h:27017/admin?authSource=users&replicaSet=rs"
    assert without_database(uri) == "mongodb://u:p@h:27017/?authSource=users&replicaSet=rs"


def test_path_without_options() -> None:
    assert (
        without_database("mongodb+srv://u:p@cluster.example/admin")
        == "mongodb+srv://u:p@cluster.example/?authSource=admin"
    )


def test_connect_uses_the_kit_database_not_the_uri_path() -> None:
    # connect=False in pymongo terms: nothing is contacted, only the settings are compared
    database = connect(
        "mongodb://u:p@127.0.0.1:1/admin?replicaSet=rs&connect=false", "linli_requests", alias="uri-test"
    )
    try:
        assert database.name == "linli_requests"
        assert mongoengine.get_db("uri-test").name == "linli_requests"
        credentials = database.client.options.pool_options._credentials
        assert credentials is not None and credentials.source == "admin"
    finally:
        disconnect("uri-test")
