package main

import (
	mdbv1 "github.com/mongodb/mongodb-kubernetes-operator/api/v1"
	"github.com/mongodb/mongodb-kubernetes-operator/controllers/validation"
	"go.uber.org/zap"
)

func init() {
	register("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity", checkMongoDBCommunity)
}

// checkMongoDBCommunity decodes strictly, then runs the operator's own admission of a new
// resource (users, arbiters, authentication modes, TLS, ...).
func checkMongoDBCommunity(doc []byte) []finding {
	var obj mdbv1.MongoDBCommunity
	out := decodeStrict(doc, &obj,
		"spec.additionalMongodConfig",
		"spec.additionalConnectionStringConfig",
		"spec.users[].additionalConnectionStringConfig",
	)
	if err := validation.ValidateInitialSpec(obj, zap.NewNop().Sugar()); err != nil {
		out = append(out, finding{"spec", err.Error()})
	}
	return out
}
