package mqtt

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/sync/errgroup"

	"github.com/facegate/facegate/metrics"
	"github.com/facegate/facegate/outbox"
)

// DeviceDeps are what a Device needs besides its Config.
type DeviceDeps struct {
	Outbox   *outbox.Outbox
	State    *State
	Gallery  Gallery
	Embedder Embedder
	// Config may be nil (set_config unsupported).
	Config ConfigSetter
	// TLS overrides the TLS config built from the Config's files.
	TLS         *tls.Config
	Now         func() time.Time
	ClockSynced func() bool
	Log         *slog.Logger
	// MinBackoff and MaxBackoff bound the reconnect delay (default 1s, 30s).
	MinBackoff, MaxBackoff time.Duration
	// Metrics, if set, receives the facegate_mqtt_* series.
	Metrics *metrics.Registry
}

// Device is the MQTT side of facegated: it publishes the outbox, keeps the
// retained state, and verifies and applies admin commands.
type Device struct {
	cfg     Config
	deps    DeviceDeps
	topics  Topics
	emitter *Emitter
	proc    *Processor
	pub     *Publisher
	events  *conn
	control *conn
	log     *slog.Logger
}

// NewDevice returns a Device. cfg must have passed Validate.
func NewDevice(cfg Config, d DeviceDeps) (*Device, error) {
	if d.Outbox == nil || d.State == nil || d.Gallery == nil || d.Embedder == nil {
		return nil, fmt.Errorf("mqtt: device needs an outbox, a command state, a gallery and an embedder")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.ClockSynced == nil {
		d.ClockSynced = ClockSynced
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.MinBackoff == 0 {
		d.MinBackoff = time.Second
	}
	if d.MaxBackoff == 0 {
		d.MaxBackoff = 30 * time.Second
	}
	log := d.Log.With("component", "mqtt")
	tlsCfg := d.TLS
	if tlsCfg == nil && (cfg.CAFile != "" || !cfg.Insecure) {
		var err error
		tlsCfg, err = NewTLSConfig(TLSFiles{CA: cfg.CAFile, Cert: cfg.CertFile, Key: cfg.KeyFile, ServerName: cfg.ServerName}, d.Now, d.ClockSynced)
		if err != nil {
			return nil, fmt.Errorf("mqtt: %w", err)
		}
	}
	m := newDeviceMetrics(d.Metrics)
	m.queueLen(d.Outbox.Len())
	dev := &Device{cfg: cfg, deps: d, topics: cfg.Topics(), log: log}
	dev.emitter = NewEmitter(d.Outbox, cfg.Site, cfg.Device, d.Now, d.ClockSynced)
	proc, err := NewProcessor(&cfg, d.State, d.Gallery, d.Embedder, d.Config, dev.emitter.Emit, d.Now, log)
	if err != nil {
		return nil, err
	}
	dev.proc = proc
	proc.metrics = m
	dev.pub = &Publisher{Outbox: d.Outbox, Topic: dev.topics.Events, Log: log, metrics: m, OnCorrupt: func(ce *outbox.CorruptError) {
		if _, err := dev.emitter.Emit(TypeOutboxCorrupt, OutboxCorrupt{Seq: ce.Seq, Error: ce.Error()}); err != nil {
			log.Error("cannot record outbox_corrupt event", "err", err)
		}
	}}
	newConn := func(clientID string, clean bool) *conn {
		return &conn{clientID: clientID, clean: clean, metrics: m, broker: cfg.Broker, tls: tlsCfg, keepAlive: cfg.KeepAlive,
			minBackoff: d.MinBackoff, maxBackoff: d.MaxBackoff, log: log}
	}
	dev.events = newConn(cfg.Device+"-events", true)
	dev.control = newConn(cfg.Device, false)
	dev.control.manualAck = true
	dev.control.willTopic, dev.control.willPayload = dev.topics.State, dev.statePayload("offline")
	return dev, nil
}

// Emitter returns the emitter the daemon records events with.
func (d *Device) Emitter() *Emitter { return d.emitter }

// Connected reports whether the events connection is up.
func (d *Device) Connected() bool { return d.events.up.Load() }

// Flush waits until every queued event has been acknowledged by the broker
// or ctx ends. Run must be running for the queue to drain.
func (d *Device) Flush(ctx context.Context) error {
	for {
		wake := d.deps.Outbox.Notify()
		n := d.deps.Outbox.Len()
		if n == 0 {
			return nil
		}
		select {
		case <-wake:
		case <-time.After(50 * time.Millisecond): // removals do not notify; poll the length
		case <-ctx.Done():
			return fmt.Errorf("mqtt: %d events still queued: %w", n, ctx.Err())
		}
	}
}

// Topics returns the device's topics.
func (d *Device) Topics() Topics { return d.topics }

// DeviceState is the retained payload of the state topic.
type DeviceState struct {
	V      int       `json:"v"`
	Device string    `json:"device"`
	Site   string    `json:"site"`
	Status string    `json:"status"`
	Time   time.Time `json:"time"`
}

func (d *Device) statePayload(status string) []byte {
	b, _ := json.Marshal(DeviceState{V: SchemaVersion, Device: d.cfg.Device, Site: d.cfg.Site, Status: status, Time: d.deps.Now().UTC()})
	return b
}

// Run connects to the broker and runs until ctx is done: publishing the
// outbox, applying commands. At shutdown it drains the outbox for up to the
// publisher's flush timeout, publishes the offline state and disconnects.
// It returns nil when ctx is cancelled.
func (d *Device) Run(ctx context.Context) error {
	if n, bad, err := d.deps.State.Prune(d.deps.Now().Add(-time.Hour)); err != nil {
		d.log.Warn("prune command state", "err", err)
	} else if n > 0 {
		d.log.Info("pruned expired command ids", "n", n, "unreadable", bad)
	}
	g, ctx := errgroup.WithContext(ctx)
	cmds := make(chan paho.Message, 8)
	g.Go(func() error { return d.events.run(ctx, d.pub.session) })
	g.Go(func() error {
		return d.control.run(ctx, func(ctx context.Context, c paho.Client, lost <-chan struct{}) error {
			return d.controlSession(ctx, c, lost, cmds)
		})
	})
	return g.Wait()
}

// controlSession subscribes to the command topics and processes commands
// in arrival order until the connection is lost.
func (d *Device) controlSession(ctx context.Context, c paho.Client, lost <-chan struct{}, cmds chan paho.Message) error {
	handler := func(_ paho.Client, m paho.Message) {
		select {
		case cmds <- m:
		case <-lost:
		case <-ctx.Done():
		}
	}
	tok := c.SubscribeMultiple(map[string]byte{d.topics.Cmd: 1, d.topics.SiteCmd: 1}, handler)
	if err := waitToken(ctx, tok, lost); err != nil {
		return fmt.Errorf("subscribe %s, %s: %w", d.topics.Cmd, d.topics.SiteCmd, err)
	}
	// "online" means ready for commands: publish it after subscribing.
	if err := waitToken(ctx, c.Publish(d.topics.State, 1, true, d.statePayload("online")), lost); err != nil {
		return fmt.Errorf("publish state: %w", err)
	}
	for {
		select {
		case m := <-cmds:
			ack := d.proc.Handle(ctx, m.Topic(), m.Payload())
			if ctx.Err() != nil {
				return nil // not acked: redelivered after restart
			}
			if ack != nil {
				b, _ := json.Marshal(ack)
				if err := waitToken(ctx, c.Publish(d.topics.Ack, 1, false, b), lost); err != nil {
					d.log.Warn("ack not delivered", "command_id", ack.CommandID, "err", err)
				}
			}
			m.Ack()
		case <-lost:
			return errConnLost
		case <-ctx.Done():
			tok := c.Publish(d.topics.State, 1, true, d.statePayload("offline"))
			tok.WaitTimeout(2 * time.Second)
			return nil
		}
	}
}
