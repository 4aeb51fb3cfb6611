package snapshot

import _ "embed"

// SchemaJSON is the JSON Schema (draft 2020-12) of SchemaV2 documents, the
// ones Marshal writes.
//
//go:embed schema/lineup.snapshot.v2.json
var SchemaJSON []byte

// SchemaV1JSON is the JSON Schema of SchemaV1 documents, which Decode
// still reads.
//
//go:embed schema/lineup.snapshot.v1.json
var SchemaV1JSON []byte
