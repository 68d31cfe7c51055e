package mqtt

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// AdminClient is the admin CLI's connection: it publishes signed commands
// and receives acks and events of a site.
type AdminClient struct {
	c       paho.Client
	prefix  string
	site    string
	acks    chan Ack
	onEvent func(topic string, payload []byte)
}

// route dispatches every incoming message by topic suffix.
func (a *AdminClient) route(_ paho.Client, m paho.Message) {
	switch {
	case strings.HasSuffix(m.Topic(), "/ack"):
		ack, err := DecodeAck(m.Payload())
		if err != nil {
			return // not ours to judge; the CLI reports missing acks
		}
		select {
		case a.acks <- ack:
		default: // a full buffer drops acks instead of blocking paho
		}
	case strings.HasSuffix(m.Topic(), "/events") && a.onEvent != nil:
		a.onEvent(m.Topic(), m.Payload())
	}
}

// AdminOptions configure DialAdmin.
type AdminOptions struct {
	Broker string
	Prefix string
	Site   string
	// ClientID defaults to "facegate-cli-<unix nanos>".
	ClientID string
	// Persistent keeps the session (clean_session=false), so events
	// published while the CLI was away are delivered on the next run.
	Persistent bool
	TLS        *tls.Config
	// OnEvent receives event payloads (see SubscribeEvents). It is set
	// before connecting because a persistent session's queued messages
	// arrive before any Subscribe call could register a handler.
	OnEvent func(topic string, payload []byte)
}

// DialAdmin connects to the broker.
func DialAdmin(ctx context.Context, o AdminOptions) (*AdminClient, error) {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if !ValidID(o.Site) {
		return nil, fmt.Errorf("site %q: want 1-64 characters from A-Z a-z 0-9 . _ -", o.Site)
	}
	if o.ClientID == "" {
		o.ClientID = fmt.Sprintf("facegate-cli-%d", time.Now().UnixNano())
	}
	opts := paho.NewClientOptions().AddBroker(o.Broker).SetClientID(o.ClientID).
		SetCleanSession(!o.Persistent).SetTLSConfig(o.TLS).SetOrderMatters(true).
		SetAutoReconnect(true).SetConnectTimeout(10 * time.Second).SetKeepAlive(30 * time.Second)
	a := &AdminClient{prefix: o.Prefix, site: o.Site, acks: make(chan Ack, 1024), onEvent: o.OnEvent}
	opts.SetDefaultPublishHandler(a.route)
	a.c = paho.NewClient(opts)
	tok := a.c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", o.Broker, err)
	}
	return a, nil
}

// Close disconnects.
func (a *AdminClient) Close() { a.c.Disconnect(250) }

func (a *AdminClient) wait(ctx context.Context, tok paho.Token, what string) error {
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
}

// SubscribeAcks starts receiving the acks of every device of the site;
// call it before sending commands. Acks arrive on Acks().
func (a *AdminClient) SubscribeAcks(ctx context.Context) error {
	topic := a.prefix + "/" + a.site + "/+/ack"
	return a.wait(ctx, a.c.Subscribe(topic, 1, nil), "subscribe "+topic)
}

// Acks returns the channel of received acks.
func (a *AdminClient) Acks() <-chan Ack { return a.acks }

// Send publishes a signed command payload for target.
func (a *AdminClient) Send(ctx context.Context, target string, payload []byte) error {
	topic, err := CommandTopic(a.prefix, a.site, target)
	if err != nil {
		return err
	}
	return a.wait(ctx, a.c.Publish(topic, 1, false, payload), "publish "+topic)
}

// SubscribeEvents subscribes to the events of device (or of every device
// of the site when device is ""); they are delivered to
// AdminOptions.OnEvent on paho's goroutine, in arrival order.
func (a *AdminClient) SubscribeEvents(ctx context.Context, device string) error {
	if device == "" {
		device = "+"
	}
	topic := a.prefix + "/" + a.site + "/" + device + "/events"
	return a.wait(ctx, a.c.Subscribe(topic, 1, nil), "subscribe "+topic)
}

// WaitAcks collects acks for the command ids in want until every id has
// acks from `per` devices (per <= 0: until ctx is done). Duplicate acks of
// the same device are kept once.
func (a *AdminClient) WaitAcks(ctx context.Context, want map[string]bool, per int) map[string][]Ack {
	got := map[string][]Ack{}
	seen := map[string]bool{}
	complete := func() bool {
		if per <= 0 {
			return false
		}
		for id := range want {
			if len(got[id]) < per {
				return false
			}
		}
		return true
	}
	for !complete() {
		select {
		case ack := <-a.acks:
			if !want[ack.CommandID] || seen[ack.CommandID+"\x00"+ack.Device] {
				continue
			}
			seen[ack.CommandID+"\x00"+ack.Device] = true
			got[ack.CommandID] = append(got[ack.CommandID], ack)
		case <-ctx.Done():
			return got
		}
	}
	return got
}
