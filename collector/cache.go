package collector

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// cacheFormat changes whenever parsedRun or its meaning changes; with the
// tool version and revision it decides whether a cache file is usable.
const cacheFormat = "lineup.collect-cache/2"

// DefaultCacheName is the cache file's name in the snapshot directory.
const DefaultCacheName = ".lineup-collect.cache"

// runCache maps a run directory (absolute path) to what parsing it gave,
// with the fingerprint (paths, sizes, mtimes) of the files it read.
type runCache struct {
	Format  string
	Tool    string
	Entries map[string]cacheEntry
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
	return &runCache{Format: cacheFormat, Tool: cacheTool(), Entries: map[string]cacheEntry{}}
}

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
	var c runCache
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return newCache(), fmt.Errorf("cache %s: %w (ignored)", file, err)
	}
	if c.Format != cacheFormat || c.Tool != cacheTool() {
		return newCache(), nil // written by another lineup: start over
	}
	if c.Entries == nil {
		c.Entries = map[string]cacheEntry{}
	}
	return &c, nil
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
	err := snapshot.WriteAtomic(file, 0o644, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 256<<10)
		if err := gob.NewEncoder(w).Encode(c); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
