"""A connection string whose path names the users' database (the MongoDB operator's
`.../admin?replicaSet=...`) still writes the service's aggregates to the service's own
database, through mongoengine's documents as well as pymongo."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import mongoengine
from pymongo import MongoClient

from linli.common import mongo
from linli.common.mongo import AggregateDocument, AggregateStore
from tests.support.infra import Infra


class Thing(AggregateDocument):
    name = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "things", "strict": False}


def test_the_uri_path_is_not_the_database(infra: Infra) -> None:
    name = f"test_{uuid.uuid4().hex[:12]}"
    uri = infra.mongo_uri.rstrip("/") + "/admin?connectTimeoutMS=5000"
    database = mongo.connect(uri, name)
    try:
        AggregateStore(Thing._get_collection(), entity="thing").insert({"_id": "t1", "name": "one"}, [])
        assert Thing._get_collection().database.name == name
        checked: MongoClient[mongo.Document] = MongoClient(infra.mongo_uri)
        try:
            assert checked[name]["things"].find_one({"_id": "t1"}) is not None
            assert "things" not in checked["admin"].list_collection_names()
        finally:
            checked.close()
    finally:
        database.client.drop_database(name)
        mongo.disconnect()
