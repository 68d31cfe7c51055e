package mqtt

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// conn is one MQTT connection that reconnects with backoff. It builds a
// fresh paho client for every attempt (paho's own auto-reconnect keeps
// tokens of a clean session pending forever, and resends a persistent
// session's messages in random order), and runs session while connected.
type conn struct {
	broker    string
	clientID  string
	clean     bool
	tls       *tls.Config
	keepAlive time.Duration
	// will, if set, is the retained last will published on will topic.
	willTopic   string
	willPayload []byte
	// manualAck makes incoming messages wait for Message.Ack.
	manualAck  bool
	minBackoff time.Duration
	maxBackoff time.Duration
	log        *slog.Logger
	metrics    *deviceMetrics
	up         atomic.Bool
}

// session runs while connected. lost is closed when the connection drops.
// It returns when lost is closed, on an error, or when ctx is done.
type session func(ctx context.Context, c paho.Client, lost <-chan struct{}) error

// run connects and runs s until ctx is done, reconnecting after every
// failure. It returns nil when ctx is cancelled.
func (c *conn) run(ctx context.Context, s session) error {
	backoff := c.minBackoff
	lastErr := ""
	for ctx.Err() == nil {
		lost := make(chan struct{})
		var once sync.Once
		opts := paho.NewClientOptions().
			AddBroker(c.broker).
			SetClientID(c.clientID).
			SetCleanSession(c.clean).
			SetTLSConfig(c.tls).
			SetKeepAlive(c.keepAlive).
			SetPingTimeout(c.keepAlive/2 + time.Second).
			SetAutoReconnect(false).
			SetConnectRetry(false).
			SetConnectTimeout(10 * time.Second).
			SetWriteTimeout(10 * time.Second).
			SetOrderMatters(true).
			SetAutoAckDisabled(c.manualAck).
			SetConnectionLostHandler(func(_ paho.Client, err error) {
				c.metrics.conn(c.clientID, false)
				c.up.Store(false)
				c.log.Warn("connection lost", "client", c.clientID, "err", err)
				once.Do(func() { close(lost) })
			})
		if c.willTopic != "" {
			opts.SetBinaryWill(c.willTopic, c.willPayload, 1, true)
		}
		client := paho.NewClient(opts)
		tok := client.Connect()
		select {
		case <-tok.Done():
		case <-ctx.Done():
			go client.Disconnect(0) // documented exit: returns after closing the socket
			return nil
		}
		if err := tok.Error(); err != nil {
			if msg := err.Error(); msg != lastErr {
				c.log.Error("connect failed", "client", c.clientID, "broker", c.broker, "err", err)
				lastErr = msg
			}
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return nil
			}
			backoff = min(backoff*2, c.maxBackoff)
			continue
		}
		c.log.Info("connected", "client", c.clientID, "broker", c.broker)
		c.metrics.conn(c.clientID, true)
		c.up.Store(true)
		backoff, lastErr = c.minBackoff, ""
		err := s(ctx, client, lost)
		client.Disconnect(250)
		c.metrics.conn(c.clientID, false)
		c.up.Store(false)
		once.Do(func() { close(lost) })
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			c.log.Warn("session ended", "client", c.clientID, "err", err)
		}
	}
	return nil
}

// waitToken waits for tok, ctx or lost.
func waitToken(ctx context.Context, tok paho.Token, lost <-chan struct{}) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-lost:
		return errConnLost
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errConnLost = fmt.Errorf("connection lost")
