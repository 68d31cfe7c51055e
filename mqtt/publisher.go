package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/facegate/facegate/outbox"
)

// Publisher sends the outbox to the events topic at QoS 1, oldest first,
// and removes each record only after its PUBACK. After a reconnect it
// starts again from the oldest record still queued, so the broker sees
// every event at least once and, after dropping duplicates, in order.
type Publisher struct {
	Outbox *outbox.Outbox
	Topic  string
	// Window is the number of unacknowledged publishes in flight (default 64).
	Window int
	// OnCorrupt is called for a record that failed its checks, after it was
	// quarantined (the Device records an outbox_corrupt event).
	OnCorrupt func(*outbox.CorruptError)
	// FlushTimeout bounds the final drain at shutdown (default 3s).
	FlushTimeout time.Duration
	Log          *slog.Logger
	metrics      *deviceMetrics
}

// session publishes until the connection is lost or ctx is done; at
// shutdown it keeps draining for FlushTimeout.
func (p *Publisher) session(ctx context.Context, c paho.Client, lost <-chan struct{}) error {
	err := p.drain(ctx, c, lost, false)
	if ctx.Err() == nil {
		return err
	}
	ft := p.FlushTimeout
	if ft == 0 {
		ft = 3 * time.Second
	}
	fctx, cancel := context.WithTimeout(context.Background(), ft)
	defer cancel()
	if err := p.drain(fctx, c, lost, true); err != nil {
		p.log().Warn("outbox not flushed at shutdown; it stays on disk", "queued", p.Outbox.Len(), "err", err)
	}
	return nil
}

func (p *Publisher) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

type inflight struct {
	seq  uint64
	tok  paho.Token
	sent time.Time
}

// drain publishes queued records. With untilEmpty it returns nil once the
// outbox is empty instead of waiting for new records.
func (p *Publisher) drain(ctx context.Context, c paho.Client, lost <-chan struct{}, untilEmpty bool) (err error) {
	window := p.Window
	if window <= 0 {
		window = 64
	}
	var (
		q     []inflight
		acked []uint64
		after uint64
	)
	flush := func() error {
		if len(acked) == 0 {
			return nil
		}
		if err := p.Outbox.Remove(acked...); err != nil {
			return err
		}
		p.metrics.ackedEvents(len(acked), p.Outbox.Len())
		acked = acked[:0]
		return nil
	}
	defer func() {
		if ferr := flush(); ferr != nil && err == nil {
			err = ferr
		}
	}()
	for {
		wake := p.Outbox.Notify() // before reading, so no append is missed
		if len(q) < window {
			recs, rerr := p.Outbox.Next(after, window-len(q))
			p.metrics.queueLen(p.Outbox.Len())
			for _, r := range recs {
				q = append(q, inflight{r.Seq, c.Publish(p.Topic, 1, false, r.Payload), time.Now()})
				after = r.Seq
			}
			var ce *outbox.CorruptError
			if errors.As(rerr, &ce) {
				p.log().Error("corrupt outbox record quarantined", "err", ce)
				if err := p.Outbox.Quarantine(ce.Seq); err != nil {
					return err
				}
				if p.OnCorrupt != nil {
					p.OnCorrupt(ce)
				}
				continue
			} else if rerr != nil {
				return rerr
			}
		}
		if len(q) == 0 {
			if err := flush(); err != nil {
				return err
			}
			if untilEmpty {
				return nil
			}
			select {
			case <-wake:
				continue
			case <-lost:
				return errConnLost
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := waitToken(ctx, q[0].tok, lost); err != nil {
			return fmt.Errorf("publish event %d: %w", q[0].seq, err)
		}
		p.metrics.pubAckLatency(time.Since(q[0].sent))
		acked = append(acked, q[0].seq)
		q = q[1:]
		if len(acked) >= 256 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
