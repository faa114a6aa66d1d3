package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// OffsetReset is a partition whose committed offset lies outside the
// retained log, and where the policy resets it.
type OffsetReset struct {
	Group string
	PartitionOffsets
	// To is the offset the group resumes at: First, the earliest retained
	// record (see OutOfRange).
	To int64
}

// String says what happened, for logs and alarms.
func (r OffsetReset) String() string {
	if r.Committed > r.End {
		return fmt.Sprintf("group %s had committed %s/%d up to offset %d but the log ends at %d (records lost from the broker's log); resumes at the earliest retained offset %d",
			r.Group, r.Topic, r.Partition, r.Committed, r.End, r.To)
	}
	return fmt.Sprintf("group %s had committed %s/%d up to offset %d but the log starts at %d (%d records deleted before they were consumed); resumes at %d",
		r.Group, r.Topic, r.Partition, r.Committed, r.First, r.First-r.Committed, r.To)
}

// OutOfRange lists the partitions of topics where group's committed offset
// is past the log's end (the log lost records the group had consumed: a
// damaged log recovered to its last complete batch, or a cluster that lost
// data; new records would take those offsets and be skipped) or before its
// first retained offset (records deleted before the group read them). The
// policy: resume at the earliest retained offset, so nothing still in the
// log is skipped; records read before are read again, which the loaders'
// tables absorb (a replay loads each record once).
func OutOfRange(ctx context.Context, brokers []string, group string, topics []string) ([]OffsetReset, error) {
	offsets, err := GroupOffsets(ctx, brokers, group, topics)
	if errors.Is(err, ErrNoTopics) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []OffsetReset
	for _, p := range offsets {
		if p.Committed >= 0 && (p.Committed > p.End || p.Committed < p.First) {
			out = append(out, OffsetReset{Group: group, PartitionOffsets: p, To: p.First})
		}
	}
	return out, nil
}

// ErrGroupActive is returned by ResetOffsets while the group has members.
var ErrGroupActive = errors.New("the consumer group has live members")

// ResetOffsets commits each reset's To for its group, as an administrator
// outside the group (a commit of generation -1), which the broker accepts
// only while the group has no member: ErrGroupActive otherwise.
func ResetOffsets(ctx context.Context, brokers []string, resets []OffsetReset) error {
	byGroup := map[string]map[string][]kafka.OffsetCommit{}
	for _, r := range resets {
		if byGroup[r.Group] == nil {
			byGroup[r.Group] = map[string][]kafka.OffsetCommit{}
		}
		byGroup[r.Group][r.Topic] = append(byGroup[r.Group][r.Topic], kafka.OffsetCommit{Partition: r.Partition, Offset: r.To})
	}
	client := AdminClient(brokers, 10*time.Second)
	for group, topics := range byGroup {
		resp, err := client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1, Topics: topics})
		if err != nil {
			return fmt.Errorf("cannot reset the offsets of group %s: %w", group, err)
		}
		for topic, ps := range resp.Topics {
			for _, p := range ps {
				if errors.Is(p.Error, kafka.UnknownMemberId) || errors.Is(p.Error, kafka.IllegalGeneration) || errors.Is(p.Error, kafka.RebalanceInProgress) {
					return fmt.Errorf("cannot reset the offsets of group %s: %w (%v)", group, ErrGroupActive, p.Error)
				}
				if p.Error != nil {
					return fmt.Errorf("cannot reset the offset of group %s on %s/%d: %w", group, topic, p.Partition, p.Error)
				}
			}
		}
	}
	return nil
}
