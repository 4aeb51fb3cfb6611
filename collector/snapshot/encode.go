package snapshot

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sync"
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
	// buffers while the previous batch, in the other set, is written. The
	// workers live for the whole document: a goroutine a run grew a fresh
	// stack through encoding/json's recursion every time (a tenth of the
	// CPU of encoding make bench's 2,000 runs).
	size := 16 * workers
	sets := [2][][]byte{make([][]byte, size), make([][]byte, size)}
	written := make(chan struct{}, 1)
	written <- struct{}{} // no batch being written yet
	type task struct {
		buf *[]byte
		run *Run
	}
	tasks := make(chan task, size)
	var wg sync.WaitGroup
	var errOnce sync.Once
	var encErr error
	for range workers {
		go func() {
			for t := range tasks {
				b, err := appendRun((*t.buf)[:0], t.run)
				*t.buf = b
				if err != nil {
					errOnce.Do(func() { encErr = err })
				}
				wg.Done()
			}
		}()
	}
	defer close(tasks)
	for k, lo := 0, 0; lo < len(s.Runs); k, lo = k+1, lo+size {
		batch := sets[k%2][:min(size, len(s.Runs)-lo)]
		wg.Add(len(batch))
		for i := range batch {
			tasks <- task{&batch[i], &s.Runs[lo+i]}
		}
		wg.Wait()
		<-written // the previous batch is out: bw is free
		if encErr != nil {
			return encErr
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

// runPrefix is the indentation of an element of "runs" (two levels deep);
// the keys of a run are one level deeper.
const (
	runPrefix = "    "
	runKey    = runPrefix + "  "
)

// appendRun appends r as it stands in the "runs" array of Marshal's
// output, which is appendIndent(json.Marshal(r), runPrefix)
// (appendRunGeneric). The timeline, most of the bytes, is written straight
// in its final layout rather than marshalled, compacted by encoding/json
// and indented again.
func appendRun(out []byte, r *Run) ([]byte, error) {
	if r.Timeline.Len() == 0 {
		return appendRunGeneric(out, r)
	}
	stub := *r
	stub.Timeline = Timeline{}
	compact, err := json.Marshal(&stub)
	if err != nil {
		return nil, err
	}
	start := len(out)
	out = appendIndent(out, compact, runPrefix)
	doc := out[start:]
	// The timeline goes where encoding/json would put it: before the
	// fields declared after it, else before the closing brace. Raw
	// newlines only come from the indentation, so a run's own keys are
	// the only text at the start of a line with runKey's indentation.
	at, comma := -1, false
	for _, next := range []string{"\n" + runKey + `"attempts": `, "\n" + runKey + `"environment": `} {
		if i := bytes.Index(doc, []byte(next)); i >= 0 {
			at = i
			break
		}
	}
	if at < 0 {
		at = bytes.LastIndex(doc, []byte("\n"+runPrefix+"}"))
		comma = true
	}
	if at < 0 {
		return appendRunGeneric(out[:start], r)
	}
	tail := append([]byte(nil), doc[at:]...)
	out = out[:start+at]
	if comma {
		out = append(out, ',')
	}
	out = append(out, "\n"+runKey+`"timeline": `...)
	if out, err = r.Timeline.appendColumns(out, runKey); err != nil {
		return nil, err
	}
	if !comma {
		out = append(out, ',')
	}
	return append(out, tail...), nil
}

// appendRunGeneric is appendRun by way of encoding/json alone.
func appendRunGeneric(out []byte, r *Run) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return appendIndent(out, b, runPrefix), nil
}
