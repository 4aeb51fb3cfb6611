// Package snapshottest checks snapshot documents against the JSON Schema in
// tests. Every test that produces a snapshot should call Check on it.
package snapshottest

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

var (
	once     sync.Once
	compiled *jsonschema.Schema
	errComp  error
)

func schema() (*jsonschema.Schema, error) {
	once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(snapshot.SchemaJSON))
		if err != nil {
			errComp = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		const url = "lineup.snapshot.v1.json"
		if err := c.AddResource(url, doc); err != nil {
			errComp = err
			return
		}
		compiled, errComp = c.Compile(url)
	})
	return compiled, errComp
}

// Validate checks data (a snapshot JSON document) against the schema.
func Validate(data []byte) error {
	s, err := schema()
	if err != nil {
		return err
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

// CheckValue marshals s and checks it.
func CheckValue(tb testing.TB, s *snapshot.Snapshot) {
	tb.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		tb.Fatal(err)
	}
	Check(tb, "snapshot "+s.ID, data)
}
