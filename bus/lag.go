package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// ErrNoTopics is returned by GroupLag when none of the topics exists yet.
var ErrNoTopics = errors.New("no topic exists yet")

// PartitionOffsets are one partition's retained range [First, End) and a
// consumer group's committed offset in it.
type PartitionOffsets struct {
	Topic     string
	Partition int
	First     int64 // the first retained offset
	End       int64 // the high watermark: the offset of the next record
	Committed int64 // the group's committed offset (the next to read); -1 none
}

// GroupOffsets returns the offsets of every partition of the topics and the
// group's commits in them. Topics that do not exist are left out;
// ErrNoTopics when none exists. A group that never committed (or groupID
// "") has Committed -1 everywhere.
func GroupOffsets(ctx context.Context, brokers []string, groupID string, topics []string) ([]PartitionOffsets, error) {
	if len(topics) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client := AdminClient(brokers, 10*time.Second)
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("cannot read topic metadata: %w", err)
	}
	parts := map[string][]int{}
	offsetReqs := map[string][]kafka.OffsetRequest{}
	for _, t := range meta.Topics {
		if t.Error != nil {
			continue
		}
		for _, p := range t.Partitions {
			parts[t.Name] = append(parts[t.Name], p.ID)
			offsetReqs[t.Name] = append(offsetReqs[t.Name], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
		}
	}
	if len(parts) == 0 {
		return nil, ErrNoTopics
	}
	ends, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: offsetReqs})
	if err != nil {
		return nil, fmt.Errorf("cannot list offsets: %w", err)
	}
	committed, err := &kafka.OffsetFetchResponse{}, error(nil)
	if groupID != "" {
		committed, err = client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: groupID, Topics: parts})
	}
	if err == nil && committed.Error != nil {
		err = committed.Error
	}
	if errors.Is(err, kafka.GroupIdNotFound) {
		committed, err = &kafka.OffsetFetchResponse{}, nil // kfake: a group that never committed
	}
	if err != nil {
		return nil, fmt.Errorf("cannot fetch the committed offsets of group %s: %w", groupID, err)
	}
	done := map[string]map[int]int64{}
	for topic, ps := range committed.Topics {
		done[topic] = map[int]int64{}
		for _, p := range ps {
			if p.Error == nil && p.CommittedOffset >= 0 {
				done[topic][p.Partition] = p.CommittedOffset
			}
		}
	}
	var out []PartitionOffsets
	for topic, ps := range ends.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("cannot list offsets of %s/%d: %w", topic, p.Partition, p.Error)
			}
			c, ok := done[topic][p.Partition]
			if !ok {
				c = -1
			}
			out = append(out, PartitionOffsets{Topic: topic, Partition: p.Partition, First: p.FirstOffset, End: p.LastOffset, Committed: c})
		}
	}
	return out, nil
}

// GroupLag returns, per topic, how many messages a consumer group has not
// committed yet: the sum over partitions of (end offset − committed offset),
// counting from the first retained offset where the group committed nothing.
// Topics that do not exist are left out; ErrNoTopics when none exists. A
// committed offset past the end counts 0 here: OutOfRange reports it.
func GroupLag(ctx context.Context, brokers []string, groupID string, topics []string) (map[string]int64, error) {
	offsets, err := GroupOffsets(ctx, brokers, groupID, topics)
	if err != nil {
		return nil, err
	}
	lag := map[string]int64{}
	for _, p := range offsets {
		c := max(p.Committed, p.First)
		lag[p.Topic] += max(p.End-c, 0)
	}
	return lag, nil
}

// TotalGroupLag is the sum of GroupLag over the topics: the messages the
// consumer group has not committed yet. No topic existing yet is 0.
func TotalGroupLag(ctx context.Context, brokers []string, groupID string, topics []string) (int64, error) {
	lags, err := GroupLag(ctx, brokers, groupID, topics)
	if errors.Is(err, ErrNoTopics) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var total int64
	for _, n := range lags {
		total += n
	}
	return total, nil
}
