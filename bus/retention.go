package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Retention bounds a partition's log: records older than Time, and the
// oldest records while the partition holds more than Bytes. Zero turns a
// bound off.
type Retention struct {
	Time  time.Duration
	Bytes int64
}

// Guard is a consumer group whose uncommitted records on Topics retention
// must keep (the pipelines' group on raw.*, the audit sink's on audit).
type Guard struct {
	Group  string
	Topics []string
}

// Trim is what ApplyRetention deleted from one partition: offsets
// [From, To).
type Trim struct {
	Topic     string
	Partition int
	From, To  int64
}

// ApplyRetention deletes, in each partition of topics, the records the
// retention lets go — those older than now−r.Time, and the oldest while the
// partition's bytes on disk exceed r.Bytes (the cut offset estimated from
// the partition's average record size) — but never a record at or past the
// committed offset of a guard group of that topic (a guard that committed
// nothing on a partition keeps all of it). Records are deleted with Kafka's
// DeleteRecords; the embedded broker (kfake) frees the disk of every segment
// that lies wholly below the new start. Topics without a guard (dlq.*) lose
// records by the retention alone.
func ApplyRetention(ctx context.Context, brokers []string, topics []string, r Retention, guards []Guard, now time.Time) ([]Trim, error) {
	if r.Time <= 0 && r.Bytes <= 0 {
		return nil, nil
	}
	offsets, err := GroupOffsets(ctx, brokers, "", topics)
	if errors.Is(err, ErrNoTopics) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	keep := map[string]map[int]int64{} // topic → partition → first offset a guard still needs
	for _, g := range guards {
		gs, err := GroupOffsets(ctx, brokers, g.Group, g.Topics)
		if errors.Is(err, ErrNoTopics) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, p := range gs {
			need := max(p.Committed, p.First) // nothing committed: keep everything
			if keep[p.Topic] == nil {
				keep[p.Topic] = map[int]int64{}
			}
			if old, ok := keep[p.Topic][p.Partition]; !ok || need < old {
				keep[p.Topic][p.Partition] = need
			}
		}
	}
	cl, err := FranzClient(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var sizes map[string]map[int]int64
	if r.Bytes > 0 {
		if sizes, err = partitionSizes(ctx, cl, topics); err != nil {
			return nil, err
		}
	}
	var byTime map[string]map[int]int64
	if r.Time > 0 {
		if byTime, err = offsetsAt(ctx, brokers, offsets, now.Add(-r.Time)); err != nil {
			return nil, err
		}
	}
	del := kmsg.NewPtrDeleteRecordsRequest()
	del.TimeoutMillis = 15000
	var trims []Trim
	for _, p := range offsets {
		if p.End <= p.First {
			continue
		}
		cut := p.First
		if t, ok := byTime[p.Topic][p.Partition]; ok {
			cut = max(cut, t)
		}
		if size := sizes[p.Topic][p.Partition]; r.Bytes > 0 && size > r.Bytes {
			n := p.End - p.First
			cut = max(cut, p.First+(n*(size-r.Bytes)+size-1)/size)
		}
		if need, ok := keep[p.Topic][p.Partition]; ok {
			cut = min(cut, need)
		}
		cut = min(cut, p.End)
		if cut <= p.First {
			continue
		}
		trims = append(trims, Trim{Topic: p.Topic, Partition: p.Partition, From: p.First, To: cut})
		var topic *kmsg.DeleteRecordsRequestTopic
		for i := range del.Topics {
			if del.Topics[i].Topic == p.Topic {
				topic = &del.Topics[i]
			}
		}
		if topic == nil {
			del.Topics = append(del.Topics, kmsg.DeleteRecordsRequestTopic{Topic: p.Topic})
			topic = &del.Topics[len(del.Topics)-1]
		}
		topic.Partitions = append(topic.Partitions, kmsg.DeleteRecordsRequestTopicPartition{Partition: int32(p.Partition), Offset: cut})
	}
	if len(trims) == 0 {
		return nil, nil
	}
	resp, err := del.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("cannot delete records: %w", err)
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return nil, fmt.Errorf("cannot delete records of %s/%d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return trims, nil
}

// offsetsAt returns, per partition, the first offset whose record is at or
// after t (the end when none is).
func offsetsAt(ctx context.Context, brokers []string, parts []PartitionOffsets, t time.Time) (map[string]map[int]int64, error) {
	req := map[string][]kafka.OffsetRequest{}
	end := map[string]map[int]int64{}
	for _, p := range parts {
		req[p.Topic] = append(req[p.Topic], kafka.TimeOffsetOf(p.Partition, t))
		if end[p.Topic] == nil {
			end[p.Topic] = map[int]int64{}
		}
		end[p.Topic][p.Partition] = p.End
	}
	resp, err := AdminClient(brokers, 10*time.Second).ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: req})
	if err != nil {
		return nil, fmt.Errorf("cannot list offsets by time: %w", err)
	}
	out := map[string]map[int]int64{}
	for topic, ps := range resp.Topics {
		out[topic] = map[int]int64{}
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("cannot list offsets by time of %s/%d: %w", topic, p.Partition, p.Error)
			}
			off := end[topic][p.Partition]
			for o, at := range p.Offsets {
				if !at.Before(t) && o >= 0 && o < off {
					off = o
				}
			}
			out[topic][p.Partition] = off
		}
	}
	return out, nil
}

// partitionSizes are the bytes on disk per partition (DescribeLogDirs).
func partitionSizes(ctx context.Context, cl *kgo.Client, topics []string) (map[string]map[int]int64, error) {
	req := kmsg.NewPtrDescribeLogDirsRequest() // no topics: every partition, filtered below
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("cannot read partition sizes: %w", err)
	}
	want := map[string]bool{}
	for _, t := range topics {
		want[t] = true
	}
	out := map[string]map[int]int64{}
	for _, d := range resp.Dirs {
		for _, t := range d.Topics {
			if !want[t.Topic] {
				continue
			}
			if out[t.Topic] == nil {
				out[t.Topic] = map[int]int64{}
			}
			for _, p := range t.Partitions {
				out[t.Topic][int(p.Partition)] += p.Size
			}
		}
	}
	return out, nil
}
