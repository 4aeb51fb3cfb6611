package snapshot

import _ "embed"

// SchemaJSON is the JSON Schema (draft 2020-12) of SchemaV1 documents.
//
//go:embed schema/lineup.snapshot.v1.json
var SchemaJSON []byte
