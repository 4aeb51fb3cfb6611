package collector

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// A cache of several chunks comes back whole; a cache file that is
// foreign is an empty cache without complaint, and a damaged one an empty
// cache and an error, never a panic or a wrong entry.
func TestCacheFile(t *testing.T) {
	c := newCache()
	for i := range 2*cacheChunkRuns + 3 {
		p := &parsedRun{Rel: "run" + strconv.Itoa(i), LogLines: i, Throughput: throughput{Steady: i, Timeline: snapshot.Timeline{T: []float64{0, float64(i)}}}}
		c.put("/data/run"+strconv.Itoa(i), "fp"+strconv.Itoa(i), p)
	}
	file := filepath.Join(t.TempDir(), DefaultCacheName)
	if err := c.save(file); err != nil {
		t.Fatal(err)
	}
	got, err := loadCache(file)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Entries, c.Entries) {
		t.Fatalf("round trip lost entries: %d of %d", len(got.Entries), len(c.Entries))
	}
	// The same cache gives the same bytes.
	data, _ := os.ReadFile(file)
	if err := c.save(file); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(again, data) {
		t.Error("saving the same cache twice gave different files")
	}

	header := []byte(cacheFormat + "\n")
	tests := []struct {
		name    string
		data    []byte
		wantErr bool
	}{
		{"empty file", nil, false},
		{"another format", []byte("lineup.collect-cache/2\n\x00\x01"), false},
		{"a gob stream of the old layout", data[len(header):], false},
		{"header only", header, true},
		{"truncated", data[:len(data)/2], true},
		{"frame longer than the file", append(append([]byte{}, header...), binary.LittleEndian.AppendUint64(nil, 1<<40)...), true},
		{"garbage head", append(append(append([]byte{}, header...), binary.LittleEndian.AppendUint64(nil, 3)...), "abc"...), true},
		{"garbage chunk", append(append([]byte{}, data...), binary.LittleEndian.AppendUint64(nil, 3)...), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(file, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := loadCache(file)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if got == nil || len(got.Entries) != 0 {
				t.Errorf("loaded %v, want an empty cache", got)
			}
		})
	}
}

func FuzzDecodeCache(f *testing.F) {
	c := newCache()
	c.put("/d", "fp", &parsedRun{Rel: "r", Throughput: throughput{Timeline: snapshot.Timeline{T: []float64{1}}}})
	file := filepath.Join(f.TempDir(), "c")
	if err := c.save(file); err != nil {
		f.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	f.Add(data)
	f.Add([]byte(cacheFormat + "\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeCache(data) // must not panic
		if err != nil || c == nil {
			return
		}
		// whatever it reads, it writes and reads back the same
		file := filepath.Join(dir, "again")
		if err := c.save(file); err != nil {
			return // a record gob reads but cannot write back
		}
		again, err := loadCache(file)
		if err != nil {
			t.Fatalf("re-reading a saved cache: %v", err)
		}
		if !reflect.DeepEqual(again.Entries, c.Entries) {
			t.Fatalf("round trip changed the cache: %d entries, want %d", len(again.Entries), len(c.Entries))
		}
	})
}
