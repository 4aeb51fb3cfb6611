// Package snapshottest checks snapshot documents against the JSON Schema in
// tests. Every test that produces a snapshot should call Check on it.
package snapshottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// schemas compiles the JSON Schema of every version Decode reads, once.
var schemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	out := map[string]*jsonschema.Schema{}
	for version, src := range map[string][]byte{snapshot.SchemaV2: snapshot.SchemaJSON, snapshot.SchemaV1: snapshot.SchemaV1JSON} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
		if err != nil {
			return nil, fmt.Errorf("schema of %s: %w", version, err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		url := version + ".json"
		if err := c.AddResource(url, doc); err != nil {
			return nil, err
		}
		if out[version], err = c.Compile(url); err != nil {
			return nil, err
		}
	}
	return out, nil
})

// Validate checks data (a snapshot JSON document) against the schema of
// the version it names (the current one when it names none).
func Validate(data []byte) error {
	all, err := schemas()
	if err != nil {
		return err
	}
	var head struct {
		Schema string `json:"schema"`
	}
	_ = json.Unmarshal(data, &head)
	s := all[head.Schema]
	if s == nil {
		s = all[snapshot.SchemaV2]
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// Check fails tb when data does not satisfy the schema. name appears in
// the failure message.
func Check(tb testing.TB, name string, data []byte) {
	tb.Helper()
	if err := Validate(data); err != nil {
		tb.Fatalf("%s does not satisfy the snapshot schema: %v", name, err)
	}
}

// CheckValue encodes s as lineup writes it (snapshot.Marshal) and checks it.
func CheckValue(tb testing.TB, s *snapshot.Snapshot) {
	tb.Helper()
	data, err := snapshot.Marshal(s)
	if err != nil {
		tb.Fatal(err)
	}
	Check(tb, "snapshot "+s.ID, data)
}
