package mqtt

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/facegate/facegate/outbox"
)

// DefaultPrefix is the topic prefix when Config.Prefix is empty.
const DefaultPrefix = "facegate/v1"

// DefaultMaxCommandBytes is the default command payload limit (2 MiB).
const DefaultMaxCommandBytes = 2 << 20

// Config is the daemon's `mqtt:` section.
type Config struct {
	// Broker is the broker URL: ssl://, tls://, mqtts:// (TLS; required
	// in production) or tcp:// (only with Insecure).
	Broker string `yaml:"broker"`
	// Prefix is the topic prefix (default facegate/v1).
	Prefix string `yaml:"prefix"`
	// Site and Device name this device; see docs/mqtt.md for the syntax.
	Site   string `yaml:"site"`
	Device string `yaml:"device"`
	// CAFile is the PEM CA bundle the broker certificate must chain to
	// (pinned: system roots are not used).
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the device's TLS client certificate and key.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name checked in the broker certificate
	// (default: the broker URL's host).
	ServerName string `yaml:"server_name"`
	// Insecure allows tcp:// without TLS (demo and tests only).
	Insecure bool `yaml:"insecure"`
	// AdminKeys maps admin names to Ed25519 public keys (base64 of the 32
	// raw bytes, or of a PKIX DER, or a PEM "PUBLIC KEY" block).
	AdminKeys map[string]string `yaml:"admin_keys"`
	// MaxCommandBytes is the largest accepted command payload (default 2 MiB).
	MaxCommandBytes int `yaml:"max_command_bytes"`
	// MaxCommandTTL is the longest accepted command lifetime, expires -
	// issued (default 24h).
	MaxCommandTTL time.Duration `yaml:"max_command_ttl"`
	// StatePath is the bbolt file holding applied command ids and admin
	// sequence numbers.
	StatePath string `yaml:"state_path"`
	// KeepAlive is the MQTT keepalive (default 30s).
	KeepAlive time.Duration `yaml:"keepalive"`
	// Outbox configures the durable event queue.
	Outbox OutboxConfig `yaml:"outbox"`
}

// OutboxConfig is the `mqtt.outbox:` section.
type OutboxConfig struct {
	Path         string        `yaml:"path"`
	Capacity     int           `yaml:"capacity"`
	FullPolicy   outbox.Policy `yaml:"full_policy"`
	AlarmPercent int           `yaml:"alarm_percent"`
}

// SetDefaults fills zero fields with their defaults.
func (c *Config) SetDefaults() {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.MaxCommandBytes == 0 {
		c.MaxCommandBytes = DefaultMaxCommandBytes
	}
	if c.MaxCommandTTL == 0 {
		c.MaxCommandTTL = 24 * time.Hour
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = 30 * time.Second
	}
	if c.Outbox.Capacity == 0 {
		c.Outbox.Capacity = outbox.DefaultCapacity
	}
	if c.Outbox.FullPolicy == "" {
		c.Outbox.FullPolicy = outbox.DropOldest
	}
	if c.Outbox.AlarmPercent == 0 {
		c.Outbox.AlarmPercent = 80
	}
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ValidID reports whether s is a valid site, device, person or admin id.
func ValidID(s string) bool { return idRE.MatchString(s) }

// Validate checks the configuration after SetDefaults and returns every
// problem, each naming the field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("mqtt.%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if c.Broker == "" {
		bad("broker", "missing (e.g. ssl://broker.example:8883)")
	} else if u, err := url.Parse(c.Broker); err != nil || u.Host == "" {
		bad("broker", "%q is not a URL like ssl://host:8883", c.Broker)
	} else {
		switch u.Scheme {
		case "ssl", "tls", "mqtts":
		case "tcp", "mqtt":
			if !c.Insecure {
				bad("broker", "%q is not TLS: use ssl:// (or set mqtt.insecure for a demo)", c.Broker)
			}
		default:
			bad("broker", "scheme %q: want ssl://, tls:// or mqtts://", u.Scheme)
		}
	}
	if strings.ContainsAny(c.Prefix, "#+") || strings.HasPrefix(c.Prefix, "/") || strings.HasSuffix(c.Prefix, "/") {
		bad("prefix", "%q must not contain # or + nor start or end with /", c.Prefix)
	}
	if !ValidID(c.Site) {
		bad("site", "%q: want 1-64 characters from A-Z a-z 0-9 . _ -", c.Site)
	}
	if !ValidID(c.Device) || c.Device == "all" {
		bad("device", "%q: want 1-64 characters from A-Z a-z 0-9 . _ - (not \"all\")", c.Device)
	}
	if !c.Insecure || c.CertFile != "" {
		for _, f := range []struct{ name, v string }{{"ca_file", c.CAFile}, {"cert_file", c.CertFile}, {"key_file", c.KeyFile}} {
			if f.v == "" {
				bad(f.name, "missing (TLS with a client certificate is required)")
			}
		}
	}
	if len(c.AdminKeys) == 0 {
		bad("admin_keys", "no admin public key: the device could not accept any command")
	}
	names := make([]string, 0, len(c.AdminKeys))
	for n := range c.AdminKeys {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !ValidID(n) {
			bad("admin_keys", "admin name %q: want 1-64 characters from A-Z a-z 0-9 . _ -", n)
		}
		if _, err := ParsePublicKey(c.AdminKeys[n]); err != nil {
			bad("admin_keys."+n, "%v", err)
		}
	}
	if c.MaxCommandBytes < 1024 || c.MaxCommandBytes > 256<<20 {
		bad("max_command_bytes", "%d: want 1024..268435456", c.MaxCommandBytes)
	}
	if c.MaxCommandTTL < time.Minute {
		bad("max_command_ttl", "%v: want at least 1m", c.MaxCommandTTL)
	}
	if c.StatePath == "" {
		bad("state_path", "missing (e.g. /var/lib/facegate/commands.db)")
	}
	if c.KeepAlive < time.Second {
		bad("keepalive", "%v: want at least 1s", c.KeepAlive)
	}
	if c.Outbox.Path == "" {
		bad("outbox.path", "missing (e.g. /var/lib/facegate/outbox.db)")
	}
	if c.Outbox.Capacity < 1 {
		bad("outbox.capacity", "%d: want a positive number of events", c.Outbox.Capacity)
	}
	if c.Outbox.FullPolicy != outbox.DropOldest && c.Outbox.FullPolicy != outbox.Reject {
		bad("outbox.full_policy", "%q: want %q or %q", c.Outbox.FullPolicy, outbox.DropOldest, outbox.Reject)
	}
	if c.Outbox.AlarmPercent < 1 || c.Outbox.AlarmPercent > 100 {
		bad("outbox.alarm_percent", "%d: want 1..100", c.Outbox.AlarmPercent)
	}
	return errors.Join(errs...)
}

// Topics returns the topic names for this device.
func (c *Config) Topics() Topics { return NewTopics(c.Prefix, c.Site, c.Device) }

// Topics are one device's topic names.
type Topics struct {
	Events, State, Cmd, SiteCmd, Ack string
}

// NewTopics returns the topics of device in site under prefix.
func NewTopics(prefix, site, device string) Topics {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	base := prefix + "/" + site + "/" + device + "/"
	return Topics{
		Events: base + "events", State: base + "state", Cmd: base + "cmd", Ack: base + "ack",
		SiteCmd: prefix + "/" + site + "/all/cmd",
	}
}

// ParsePublicKey parses an Ed25519 public key given as base64 of the 32 raw
// bytes, base64 of a PKIX DER, or a PEM "PUBLIC KEY" block.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty public key")
	}
	var der []byte
	if blk, _ := pem.Decode([]byte(s)); blk != nil {
		der = blk.Bytes
	} else {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("public key is neither PEM nor base64: %w", err)
		}
		if len(b) == ed25519.PublicKeySize {
			return ed25519.PublicKey(b), nil
		}
		der = b
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pk, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is %T, want Ed25519", k)
	}
	return pk, nil
}
