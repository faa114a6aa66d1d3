package bus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Recovery is what RecoverLog cut from one segment of the embedded broker's
// log: everything from the first batch that is incomplete or fails its CRC
// to the end of the file.
type Recovery struct {
	Topic     string
	Partition int
	Segment   string // file name, e.g. "0.dat"
	// KeptEnd is the offset after the last complete batch kept: the log
	// of the partition ends there (when the segment is its last).
	KeptEnd int64
	// DroppedBytes were cut from the segment.
	DroppedBytes int64
	// LostFrom and LostRecords describe the first cut batch when its header
	// is still readable (LostRecords 0: unreadable): offsets LostFrom …
	// LostFrom+LostRecords-1 at least were in it.
	LostFrom    int64
	LostRecords int64
	// LostBatches counts the cut batches the broker had finished writing:
	// its index (<base>.idx, one entry written after each complete batch,
	// before the batch is acknowledged) lists more batches than were kept.
	// 0: only a write the broker never finished (a crash mid-write, nothing
	// acknowledged) was cut; more: acknowledged records may be lost.
	LostBatches int
}

// String says what was cut, for the log.
func (r Recovery) String() string {
	s := fmt.Sprintf("%s/%d segment %s: cut %d bytes after the last complete batch; the log now ends at offset %d", r.Topic, r.Partition, r.Segment, r.DroppedBytes, r.KeptEnd)
	if r.LostRecords > 0 {
		s += fmt.Sprintf(" (the first cut batch held offsets %d-%d)", r.LostFrom, r.LostFrom+r.LostRecords-1)
	}
	if r.LostBatches > 0 {
		s += fmt.Sprintf("; %d cut batch(es) had been written completely, so acknowledged records may be lost: compare with the departments' deliveries", r.LostBatches)
	}
	return s
}

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// batch header fields of a Kafka RecordBatch (v2): baseOffset int64,
// batchLength int32 (the bytes after it), partitionLeaderEpoch int32, magic
// int8, crc uint32 (CRC-32C of everything after it), attributes int16,
// lastOffsetDelta int32.
const (
	batchHeaderLen  = 12
	batchCRCStart   = 17
	batchCRCEnd     = 21
	batchDeltaStart = 23
	batchMinLen     = 61 // the fixed part of a v2 batch

	kfakeIndexEntrySize = 15 // kfake's <base>.idx: one entry per batch
)

// RecoverLog checks every segment of the embedded broker's log under
// dataDir (kfake's layout: partitions/<topic>-<partition>/<base>.dat, each a
// sequence of Kafka RecordBatches) and truncates a segment at its first
// incomplete or corrupt batch, so the broker loads a log that ends at its
// last complete batch. It runs before the broker loads the folder; a
// damaged index file beside a cut segment is rebuilt by the broker. It
// returns what it cut (nothing for a clean log).
func RecoverLog(dataDir string) ([]Recovery, error) {
	parts, err := os.ReadDir(filepath.Join(dataDir, "partitions"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the kafka log: %w", err)
	}
	var out []Recovery
	for _, p := range parts {
		if !p.IsDir() {
			continue
		}
		i := strings.LastIndexByte(p.Name(), '-')
		if i < 0 {
			continue
		}
		topic, err := url.PathUnescape(p.Name()[:i])
		if err != nil {
			topic = p.Name()[:i]
		}
		part, err := strconv.Atoi(p.Name()[i+1:])
		if err != nil {
			continue
		}
		dir := filepath.Join(dataDir, "partitions", p.Name())
		segs, err := segments(dir)
		if err != nil {
			return nil, err
		}
		for _, seg := range segs {
			r, cut, err := recoverSegment(filepath.Join(dir, seg))
			if err != nil {
				return nil, err
			}
			if cut {
				r.Topic, r.Partition, r.Segment = topic, part, seg
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// segments lists the .dat files of a partition folder by base offset.
func segments(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read the kafka log: %w", err)
	}
	type seg struct {
		name string
		base int64
	}
	var segs []seg
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".dat")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(base, 10, 64); err == nil {
			segs = append(segs, seg{e.Name(), n})
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].base < segs[j].base })
	names := make([]string, len(segs))
	for i, s := range segs {
		names[i] = s.name
	}
	return names, nil
}

// recoverSegment truncates one segment file after its last complete batch.
func recoverSegment(path string) (Recovery, bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Recovery{}, false, fmt.Errorf("cannot read the kafka log: %w", err)
	}
	var r Recovery
	pos, kept := 0, 0
	for pos+batchHeaderLen <= len(raw) {
		length := int64(binary.BigEndian.Uint32(raw[pos+8 : pos+12]))
		size := batchHeaderLen + length
		if length < batchMinLen-batchHeaderLen || length > 1<<30 || int64(pos)+size > int64(len(raw)) {
			break
		}
		b := raw[pos : int64(pos)+size]
		if binary.BigEndian.Uint32(b[batchCRCStart:batchCRCEnd]) != crc32.Checksum(b[batchCRCEnd:], crc32c) {
			break
		}
		r.KeptEnd = int64(binary.BigEndian.Uint64(b[0:8])) + int64(int32(binary.BigEndian.Uint32(b[batchDeltaStart:batchDeltaStart+4]))) + 1
		pos += int(size)
		kept++
	}
	if pos == len(raw) {
		return Recovery{}, false, nil
	}
	if idx, err := os.Stat(strings.TrimSuffix(path, ".dat") + ".idx"); err == nil {
		r.LostBatches = max(int(idx.Size()/kfakeIndexEntrySize)-kept, 0)
	}
	if rest := raw[pos:]; len(rest) >= batchDeltaStart+4 {
		r.LostFrom = int64(binary.BigEndian.Uint64(rest[0:8]))
		if d := int64(int32(binary.BigEndian.Uint32(rest[batchDeltaStart : batchDeltaStart+4]))); d >= 0 && d < 1<<20 {
			r.LostRecords = d + 1
		}
	}
	if pos == 0 {
		// Nothing complete kept: the segment's base offset is where it ends.
		base, _ := strings.CutSuffix(filepath.Base(path), ".dat")
		r.KeptEnd, _ = strconv.ParseInt(base, 10, 64)
	}
	r.DroppedBytes = int64(len(raw) - pos)
	if err := os.Truncate(path, int64(pos)); err != nil {
		return Recovery{}, false, fmt.Errorf("cannot truncate the kafka log: %w", err)
	}
	return r, true, nil
}
