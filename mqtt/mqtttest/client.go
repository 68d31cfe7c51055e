package mqtttest

import (
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/facegate/facegate/mqtt"
)

// Connect connects a paho client with the given certificate and waits for
// the connection; it is disconnected at test cleanup.
func (b *Broker) Connect(tb testing.TB, files mqtt.TLSFiles, clientID string, clean bool) paho.Client {
	tb.Helper()
	tlsCfg, err := mqtt.NewTLSConfig(files, nil, func() bool { return true })
	if err != nil {
		tb.Fatal(err)
	}
	opts := paho.NewClientOptions().AddBroker(b.URL).SetClientID(clientID).SetCleanSession(clean).
		SetTLSConfig(tlsCfg).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(100 * time.Millisecond).SetMaxReconnectInterval(500 * time.Millisecond).
		SetOrderMatters(true).SetKeepAlive(5 * time.Second)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(15*time.Second) || tok.Error() != nil {
		tb.Fatalf("connect %s: %v\n%s", clientID, tok.Error(), b.Log())
	}
	tb.Cleanup(func() { c.Disconnect(100) })
	return c
}
