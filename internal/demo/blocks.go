package demo

import (
	"fmt"
	"math/rand/v2"
)

// A district is generated and written block by block, so memory stays
// bounded at any size (only the truth grows with it):
//
//   - A block is a run of about DefaultHouseholds consecutive households:
//     their members, finances and truth are generated, every extract renders
//     the block's rows and then adds the block's own invalid records and
//     exact duplicates (so a district of any size has the default
//     district's share of both and no step scans more than one block), the
//     rows go to the extract's current file, and the block is dropped.
//   - A part is one extract file: blocks are appended until it holds
//     maxPartRows rows (an Excel sheet holds at most 1,048,576), then it is
//     closed and the next block starts a new one. The first part keeps the
//     name of a single-file extract (hukou_<date>.csv); later parts add
//     _002, _003, ... before the extension, so name order is delivery order.
//
// A district of at most DefaultHouseholds households is one block in one
// part: the same files as before blocks existed.

// maxPartRows is the number of rows after which an extract file is closed
// (the next block starts a new file); a variable for tests.
var maxPartRows = 250_000

// block is a run of consecutive households with their persons and rows, in
// generation order.
type block struct {
	index      int
	households []*household
	persons    []*person
	emp        []*empRow
	si         []*siRow
	assets     []*assetRow
}

// source is how one department extract is rendered: its file, columns and
// the rows of one block.
type source struct {
	name, dataset, format, encoding string
	prefix, ext                     string // file name: <prefix><date>[_NNN]<ext>
	header, key                     []string
	rows                            func(g *generator, r *rand.Rand, x *extract, b *block)
}

// extract returns an empty extract of part (0-based) of the source.
func (s *source) extract(stamp string, part int) *extract {
	name := s.prefix + stamp
	if part > 0 {
		name += fmt.Sprintf("_%03d", part+1)
	}
	return &extract{source: s.name, dataset: s.dataset, format: s.format, encoding: s.encoding,
		file: dropFile(s.name, name+s.ext), header: s.header, key: s.key}
}

// sources lists the department extracts in the order they are written.
var sources = []*source{hukouSource, residenceSource, socialInsuranceSource, payrollSource, healthSource, assetSource, hotlineSource}

// write generates the district block by block and renders every block
// into each extract's current file under Dir/drop/<source>/, then adds the
// files, counts and invalid records to the truth (source by source).
func (g *generator) write() error {
	stamp := g.w.asOf.Format("20060102")
	n := g.opts.Households
	nb := max(1, (n+DefaultHouseholds-1)/DefaultHouseholds)
	type output struct {
		r       *rand.Rand
		part    int
		file    *partFile
		files   []File
		invalid []InvalidRecord
	}
	outs := make([]*output, len(sources))
	for i, s := range sources {
		outs[i] = &output{r: g.rng(s.name)}
	}
	closePart := func(s *source, o *output) error {
		f, c, inv, err := o.file.close()
		if err != nil {
			return err
		}
		o.files = append(o.files, f)
		o.invalid = append(o.invalid, inv...)
		if old, ok := g.truth.Counts[s.dataset]; ok {
			c.Records += old.Records
			c.Duplicates += old.Duplicates
			c.Invalid += old.Invalid
			c.Rows += old.Rows
			c.Current += old.Current
			c.LatestSourceTime = max(c.LatestSourceTime, old.LatestSourceTime) // RFC 3339 UTC: text order is time order
		}
		g.truth.Counts[s.dataset] = c
		o.file = nil
		o.part++
		return nil
	}
	for bi := 0; bi < nb; bi++ {
		b := g.generateBlock(bi, bi*n/nb, (bi+1)*n/nb)
		for i, s := range sources {
			o := outs[i]
			if o.file == nil {
				pf, err := openPart(g.opts.Dir, s.extract(stamp, o.part))
				if err != nil {
					return err
				}
				o.file = pf
			}
			x := o.file.x
			bx := &extract{source: x.source, dataset: x.dataset, format: x.format, encoding: x.encoding, file: x.file, header: x.header, key: x.key}
			s.rows(g, o.r, bx, b)
			if err := o.file.add(bx); err != nil {
				return err
			}
			if o.file.rows >= maxPartRows || bi == nb-1 {
				if err := closePart(s, o); err != nil {
					return err
				}
			}
		}
	}
	for _, o := range outs {
		g.truth.Files = append(g.truth.Files, o.files...)
		g.truth.Invalid = append(g.truth.Invalid, o.invalid...)
	}
	g.truth.Summary.Invalid = len(g.truth.Invalid)
	return nil
}

// usedIDs returns the set of identity numbers given out so far (residents
// and stray records), shared by every draw of a new number.
func (g *generator) usedIDs() map[string]bool {
	if g.ids == nil {
		g.ids = map[string]bool{}
	}
	return g.ids
}
