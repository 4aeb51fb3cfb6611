package site

// The compare page: the reader picks two snapshots and static/compare.js
// fetches their JSON (data/<id>.json, as writeSnapshotData publishes it)
// and computes the diff in the browser with the rules of site/diff, so
// any two snapshots can be compared without a page per pair.

import (
	"html/template"
	"strconv"

	"github.com/lineup-dev/lineup/site/diff"
)

// compareSnapshot is one snapshot the reader can pick.
type compareSnapshot struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Created string `json:"created"` // YYYY-MM-DD
	VLLM    string `json:"vllm"`
	// Data is the snapshot's JSON, Lineup its lineup page, relative to the
	// compare page.
	Data   string `json:"data"`
	Lineup string `json:"lineup"`
	// Models gives each model's page in this snapshot, relative to the
	// compare page.
	Models map[string]string `json:"models"`
}

// compareData is the JSON the compare page embeds for its script.
type compareData struct {
	Snapshots []compareSnapshot `json:"snapshots"` // newest first
	// Old and New are the pair shown first: the two newest snapshots.
	Old string `json:"old"`
	New string `json:"new"`
	// Threshold and Alpha are `lineup diff`'s defaults.
	Threshold float64 `json:"threshold"`
	Alpha     float64 `json:"alpha"`
	// Pairs maps "<old>--<new>" to the pair's diff page, for pairs that
	// have one.
	Pairs map[string]string `json:"pairs"`
}

// comparePage is what templates/compare.html shows.
type comparePage struct {
	Snapshots []compareSnapshot
	Old, New  string
	// Threshold (in percent) and Alpha are the form's defaults.
	Threshold, Alpha string
	Data             template.JS
}

// newComparePage builds the compare page's data; links are relative to
// root (the compare page's root).
func newComparePage(editions []*edition, pairs []diffPair, root string) (*comparePage, error) {
	opt := diff.DefaultOptions()
	cd := compareData{Threshold: opt.Threshold, Alpha: opt.Alpha, Pairs: map[string]string{}}
	for _, s := range sortedSnapshots(snapshotsOf(editions)) {
		var ed *edition
		for _, e := range editions {
			if e.Snap == s {
				ed = e
			}
		}
		cs := compareSnapshot{ID: s.ID, Title: s.Title, Created: s.Created.Format("2006-01-02"), VLLM: vllmLabel(s, nil),
			Data: root + "data/" + s.ID + ".json", Lineup: root + ed.Prefix + "index.html", Models: map[string]string{}}
		for _, mv := range ed.Models {
			cs.Models[mv.Model] = root + ed.Prefix + "models/" + mv.Slug + "/index.html"
		}
		// Newest first, as on the snapshots page.
		cd.Snapshots = append([]compareSnapshot{cs}, cd.Snapshots...)
	}
	for _, p := range pairs {
		cd.Pairs[p.Old.ID+"--"+p.New.ID] = root + p.Dir + "index.html"
	}
	switch len(cd.Snapshots) {
	case 0:
	case 1:
		cd.Old, cd.New = cd.Snapshots[0].ID, cd.Snapshots[0].ID
	default:
		cd.Old, cd.New = cd.Snapshots[1].ID, cd.Snapshots[0].ID
	}
	data, err := jsonForScript(cd)
	if err != nil {
		return nil, err
	}
	return &comparePage{Snapshots: cd.Snapshots, Old: cd.Old, New: cd.New, Threshold: strconv.FormatFloat(opt.Threshold*100, 'g', -1, 64),
		Alpha: strconv.FormatFloat(opt.Alpha, 'g', -1, 64), Data: data}, nil
}

// renderCompare writes compare/index.html and its script's data.
func (b *builder) renderCompare(r *comparisonRenderer, editions []*edition) {
	p := &comparisonPage{page: b.newPage("compare/index.html", "compare/index.html")}
	p.Scripts = append(p.Scripts, p.Root+"assets/compare.js")
	pairs := diffPairs(b.content.Snapshots)
	b.goWrite(p.Page, func() ([]byte, error) {
		cp, err := newComparePage(editions, pairs, p.Root)
		if err != nil {
			return nil, err
		}
		p.Compare = cp
		return r.render("compare.html", p)
	})
}
