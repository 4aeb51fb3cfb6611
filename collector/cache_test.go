package collector

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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

// cacheFrames splits a cache file into its frames (head first).
func cacheFrames(t *testing.T, file string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data = data[len(cacheFormat)+1:]
	var frames [][]byte
	for len(data) > 0 {
		n := binary.LittleEndian.Uint64(data)
		frames = append(frames, data[8:8+n])
		data = data[8+n:]
	}
	return frames
}

// A cache saved after the one it was read from writes back the bytes of
// every chunk whose runs and entries did not change and encodes the
// others; either way the file reads back as the new entries, and its bytes
// are those of a cache encoded from scratch.
func TestCacheReusesUnchangedChunks(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, DefaultCacheName)
	first := newCache()
	for i := range 3 * cacheChunkRuns {
		first.put(fmt.Sprintf("/data/run%04d", i), "fp"+strconv.Itoa(i), &parsedRun{Rel: strconv.Itoa(i), LogLines: i,
			Throughput: throughput{Timeline: snapshot.Timeline{T: []float64{0, float64(i)}, PromptTPS: []float64{1, 2}, GenerationTPS: []float64{3, 4}}}})
	}
	if err := first.save(file); err != nil {
		t.Fatal(err)
	}
	base, err := loadCache(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cacheFrames(t, file)); n != 4 {
		t.Fatalf("%d frames, want a head and 3 chunks", n)
	}

	// marked is base with each chunk's bytes replaced by a marker: a chunk
	// written back rather than encoded shows as its marker.
	marked := *base
	marked.chunks = slices.Clone(base.chunks)
	for i := range marked.chunks {
		marked.chunks[i].raw = []byte("chunk " + strconv.Itoa(i) + " as read")
	}
	for _, tc := range []struct {
		name   string
		change func(c *runCache)
		reused []bool // per chunk
	}{
		{"one run re-parsed in the second chunk", func(c *runCache) {
			c.put(fmt.Sprintf("/data/run%04d", cacheChunkRuns+5), "fp-new", &parsedRun{Rel: "changed"})
		}, []bool{true, false, true}},
		{"one run's files touched, same record", func(c *runCache) {
			d := fmt.Sprintf("/data/run%04d", 2*cacheChunkRuns)
			c.put(d, "fp-touched", c.Entries[d].Run)
		}, []bool{true, true, false}},
		{"a run added before all others: every chunk shifts", func(c *runCache) {
			c.put("/data/run", "fp", &parsedRun{Rel: "new"})
		}, []bool{false, false, false, false}},
		{"a run gone from the first chunk", func(c *runCache) {
			delete(c.Entries, "/data/run0003")
		}, []bool{false, false, false}},
		{"nothing changed", func(*runCache) {}, []bool{true, true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			following := func(base *runCache) *runCache {
				next := newCache()
				next.base = base
				for d, e := range base.Entries {
					next.Entries[d] = e
				}
				tc.change(next)
				return next
			}
			if err := following(&marked).save(file); err != nil {
				t.Fatal(err)
			}
			got := cacheFrames(t, file)
			if len(got) != 1+len(tc.reused) {
				t.Fatalf("%d chunks, want %d", len(got)-1, len(tc.reused))
			}
			for i, want := range tc.reused {
				if reused := string(got[i+1]) == "chunk "+strconv.Itoa(i)+" as read"; reused != want {
					t.Errorf("chunk %d written back as read: %v, want %v", i, reused, want)
				}
			}
			// With the real bytes, the file reads back as the entries
			// saved, byte for byte what encoding them all gives.
			next := following(base)
			if err := next.save(file); err != nil {
				t.Fatal(err)
			}
			back, err := loadCache(file)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Entries, next.Entries) {
				t.Fatalf("the file reads back as %d entries, not the %d saved", len(back.Entries), len(next.Entries))
			}
			fresh := newCache()
			fresh.Entries = next.Entries
			freshFile := filepath.Join(dir, "fresh")
			if err := fresh.save(freshFile); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(file)
			b, _ := os.ReadFile(freshFile)
			if !bytes.Equal(a, b) {
				t.Error("reusing chunks gave other bytes than encoding them")
			}
		})
	}
}
