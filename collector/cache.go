package collector

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// cacheFormat changes whenever parsedRun or its meaning changes; with the
// tool version and revision it decides whether a cache file is usable.
const cacheFormat = "lineup.collect-cache/4"

// DefaultCacheName is the cache file's name in the snapshot directory.
const DefaultCacheName = ".lineup-collect.cache"

// runCache maps a run directory (absolute path) to what parsing it gave,
// with the fingerprint (paths, sizes, mtimes) of the files it read.
type runCache struct {
	Entries map[string]cacheEntry
	// chunks are the chunks the cache was read from, as read (none for a
	// new cache).
	chunks []readChunk
	// base, when set, is the cache this one follows: a chunk of it whose
	// runs are this cache's, with the same entries, is written back as it
	// was read rather than encoded again. After one run of 2,000 changed,
	// the re-collect encoded all eight chunks for the one that changed.
	base *runCache
}

// readChunk is a chunk of a cache file: its bytes and what they decoded to.
type readChunk struct {
	raw  []byte
	recs cacheChunk
}

type cacheEntry struct {
	Fingerprint string
	Run         *parsedRun
}

func cacheTool() string {
	v := snapshot.ToolVersion()
	return v.Version + " " + v.Revision + fmt.Sprint(v.Modified)
}

func newCache() *runCache {
	return &runCache{Entries: map[string]cacheEntry{}}
}

// The cache file starts with cacheFormat and a newline, so that a file of
// another layout is recognised as foreign, then holds a sequence of frames, each an 8-byte little-endian
// length and that many bytes of gob: first a cacheHead, then chunks of
// entries (cacheChunk). The chunks are encoded and decoded in parallel:
// gob takes a run's record one field at a time, and a 10,000-run cache is
// tens of MB.
type cacheHead struct {
	Tool   string // cacheTool() of the lineup that wrote it
	Chunks int
}

type cacheChunk []cacheRecord

type cacheRecord struct {
	Dir   string
	Entry cacheEntry
}

// cacheChunkRuns is how many runs a chunk holds.
const cacheChunkRuns = 256

// loadCache reads file. A missing file is an empty cache; an unreadable or
// foreign one is an empty cache and an error to report.
func loadCache(file string) (*runCache, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return newCache(), nil
	}
	if err != nil {
		return newCache(), fmt.Errorf("cache %s: %w (ignored)", file, err)
	}
	c, err := decodeCache(data)
	if err != nil {
		return newCache(), fmt.Errorf("cache %s: %w (ignored)", file, err)
	}
	if c == nil {
		return newCache(), nil // written by another lineup: start over
	}
	return c, nil
}

// decodeCache decodes a cache file's bytes; nil, nil means a cache of
// another format or lineup.
func decodeCache(data []byte) (*runCache, error) {
	rest, ok := bytes.CutPrefix(data, []byte(cacheFormat+"\n"))
	if !ok {
		return nil, nil
	}
	data = rest
	var frames [][]byte
	for len(data) > 0 {
		if len(data) < 8 {
			return nil, errors.New("truncated frame header")
		}
		n := binary.LittleEndian.Uint64(data)
		if n > uint64(len(data)-8) {
			return nil, errors.New("truncated frame")
		}
		frames = append(frames, data[8:8+n])
		data = data[8+n:]
	}
	if len(frames) == 0 {
		return nil, errors.New("empty")
	}
	var head cacheHead
	if err := gob.NewDecoder(bytes.NewReader(frames[0])).Decode(&head); err != nil {
		return nil, err
	}
	if head.Tool != cacheTool() {
		return nil, nil // another lineup's: start over
	}
	if head.Chunks != len(frames)-1 {
		return nil, fmt.Errorf("%d chunks, want %d", len(frames)-1, head.Chunks)
	}
	chunks := make([]cacheChunk, head.Chunks)
	g := new(errgroup.Group)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, f := range frames[1:] {
		g.Go(func() error { return gob.NewDecoder(bytes.NewReader(f)).Decode(&chunks[i]) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	c := newCache()
	for i, ch := range chunks {
		for _, r := range ch {
			c.Entries[r.Dir] = r.Entry
		}
		if len(ch) > 0 {
			c.chunks = append(c.chunks, readChunk{raw: frames[1+i], recs: ch})
		}
	}
	return c, nil
}

// unchangedChunk returns the bytes of the base's chunk that holds exactly
// the runs dirs with the entries c has for them, or nil.
func (c *runCache) unchangedChunk(byFirst map[string]*readChunk, dirs []string) []byte {
	rc := byFirst[dirs[0]]
	if rc == nil || len(rc.recs) != len(dirs) {
		return nil
	}
	for k, r := range rc.recs {
		if r.Dir != dirs[k] || c.Entries[r.Dir] != r.Entry {
			return nil
		}
	}
	return rc.raw
}

// get returns the cached parse of dir if its files are unchanged.
func (c *runCache) get(dir, fingerprint string) *parsedRun {
	if c == nil {
		return nil
	}
	e, ok := c.Entries[dir]
	if !ok || e.Fingerprint != fingerprint || e.Run == nil {
		return nil
	}
	return e.Run
}

func (c *runCache) put(dir, fingerprint string, p *parsedRun) {
	c.Entries[dir] = cacheEntry{Fingerprint: fingerprint, Run: p}
}

func (c *runCache) save(file string) error {
	dirs := make([]string, 0, len(c.Entries))
	for d := range c.Entries {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs) // the same cache, the same bytes
	chunks := make([][]byte, (len(dirs)+cacheChunkRuns-1)/cacheChunkRuns)
	byFirst := map[string]*readChunk{}
	if c.base != nil {
		for i := range c.base.chunks {
			byFirst[c.base.chunks[i].recs[0].Dir] = &c.base.chunks[i]
		}
	}
	g := new(errgroup.Group)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range chunks {
		part := dirs[i*cacheChunkRuns : min((i+1)*cacheChunkRuns, len(dirs))]
		if raw := c.unchangedChunk(byFirst, part); raw != nil {
			chunks[i] = raw
			continue
		}
		g.Go(func() error {
			ch := make(cacheChunk, len(part))
			for k, d := range part {
				ch[k] = cacheRecord{Dir: d, Entry: c.Entries[d]}
			}
			var buf bytes.Buffer
			err := gob.NewEncoder(&buf).Encode(ch)
			chunks[i] = buf.Bytes()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	var head bytes.Buffer
	if err := gob.NewEncoder(&head).Encode(cacheHead{Tool: cacheTool(), Chunks: len(chunks)}); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	err := snapshot.WriteAtomic(file, 0o644, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 256<<10)
		w.WriteString(cacheFormat + "\n")
		for _, frame := range append([][]byte{head.Bytes()}, chunks...) {
			w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(frame))))
			w.Write(frame)
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
