package snapshot

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"golang.org/x/sync/errgroup"
)

// Encode writes s to w exactly as Marshal encodes it, without holding the
// whole document: runs are encoded on up to workers goroutines, a batch at
// a time, while the previous batch is written in order.
func Encode(w io.Writer, s *Snapshot, workers int) error {
	workers = max(workers, 1)
	head := *s
	head.Schema = SchemaV2
	head.Runs = nil
	if s.Runs != nil {
		head.Runs = []Run{}
	}
	compact, err := json.Marshal(&head)
	if err != nil {
		return err
	}
	doc := append(appendIndent(make([]byte, 0, 2*len(compact)), compact, ""), '\n')
	// A newline only comes from the indentation: strings escape theirs.
	marker := []byte("\n  \"runs\": []")
	at := bytes.Index(doc, marker)
	if len(s.Runs) == 0 || at < 0 {
		_, err := w.Write(doc)
		return err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.Write(doc[:at+len(marker)-1]) // up to and including '['
	// Batches of runs are encoded in parallel into one of two sets of
	// buffers while the previous batch, in the other set, is written.
	size := 16 * workers
	sets := [2][][]byte{make([][]byte, size), make([][]byte, size)}
	written := make(chan struct{}, 1)
	written <- struct{}{} // no batch being written yet
	for k, lo := 0, 0; lo < len(s.Runs); k, lo = k+1, lo+size {
		batch := sets[k%2][:min(size, len(s.Runs)-lo)]
		g := new(errgroup.Group)
		g.SetLimit(workers)
		for i := range batch {
			g.Go(func() error {
				b, err := json.Marshal(&s.Runs[lo+i])
				if err != nil {
					return err
				}
				// an element of "runs": two levels deep
				batch[i] = appendIndent(batch[i][:0], b, "    ")
				return nil
			})
		}
		err := g.Wait()
		<-written // the previous batch is out: bw is free
		if err != nil {
			return err
		}
		go func() {
			for i, b := range batch {
				if lo+i > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString("\n    ")
				bw.Write(b)
			}
			written <- struct{}{}
		}()
	}
	<-written
	bw.WriteString("\n  ]")
	bw.Write(doc[at+len(marker):])
	return bw.Flush()
}
