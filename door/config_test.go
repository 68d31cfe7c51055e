package door_test

import (
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/door"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(c *door.Config)
		want []string // substrings of the error; none means valid
	}{
		{"defaults with lines", func(c *door.Config) {}, nil},
		{"release below ULC minimum", func(c *door.Config) { c.Release = 2 * time.Second },
			[]string{"door.release: 2s is below the 3 s minimum (ULC 60839-11-1); use 3s or more"}},
		{"release exactly 3 s", func(c *door.Config) { c.Release = 3 * time.Second }, nil},
		{"unknown backend", func(c *door.Config) { c.Backend = "spi" },
			[]string{`door.backend: "spi" is not a known backend; use one of gpiochip, sim`}},
		{"gpiochip needs lines", func(c *door.Config) { c.Backend = "gpiochip"; c.Lock.Line = ""; c.Contact.Line = "" },
			[]string{"door.lock.line: empty", "door.contact.line: empty"}},
		{"gpiochip needs a chip", func(c *door.Config) { c.Backend = "gpiochip"; c.Chip = "" }, []string{"door.chip: empty"}},
		{"bad lock type", func(c *door.Config) { c.Lock.Type = "magnetic" }, []string{`door.lock.type: "magnetic"`, "fail-secure", "fail-safe"}},
		{"bad level", func(c *door.Config) { c.Lock.Active = "1" }, []string{`door.lock.active: "1" is not a level; use high or low`}},
		{"bad switch type", func(c *door.Config) { c.Contact.Type = "closed" }, []string{`door.contact.type: "closed"`}},
		{"bad bias", func(c *door.Config) { c.Exit.Bias = "up" }, []string{`door.rex.bias: "up"`}},
		{"bad debounce", func(c *door.Config) { c.Fire.Debounce = 5 * time.Second }, []string{"door.fire.debounce: 5s"}},
		{"unfitted fire is not checked", func(c *door.Config) { c.Fire = door.InputConfig{} }, nil},
		{"prealarm after alarm", func(c *door.Config) { c.HeldOpenPrealarm = 40 * time.Second },
			[]string{"door.held_open_prealarm: 40s is not shorter than door.held_open_alarm 30s"}},
		{"alarms disabled", func(c *door.Config) { c.HeldOpenPrealarm, c.HeldOpenAlarm = 0, 0 }, nil},
		{"negative alarm", func(c *door.Config) { c.HeldOpenAlarm = -time.Second }, []string{"door.held_open_alarm: -1s is negative"}},
		{"shared line", func(c *door.Config) { c.Exit.Line = "CONTACT" },
			[]string{`door.rex.line: "CONTACT" is already used by door.contact.line`}},
		{"poll", func(c *door.Config) { c.Poll = 0 }, []string{"door.poll: 0s is outside 1ms..500ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig()
			tt.mod(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: nil, want an error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate: %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestParseConfigFile(t *testing.T) {
	good := `
mqtt:
  broker: tls://example:8883   # other sections are ignored
door:
  backend: gpiochip
  chip: facegate-sim
  lock: {line: LOCK, active: low, type: fail-safe}
  release: 7s
  relock_on_close: true
  contact: {line: 1, type: "no", closed_level: high, bias: pull-down, debounce: 30ms}
  rex: {line: REX, type: no}   # bare no is a string here
`
	c, err := door.ParseConfigFile([]byte(good))
	if err != nil {
		t.Fatalf("ParseConfigFile: %v", err)
	}
	if c.Chip != "facegate-sim" || c.Lock.Line != "LOCK" || c.Lock.Active != door.Low || c.Lock.Type != door.FailSafe ||
		c.Release != 7*time.Second || !c.RelockOnClose {
		t.Errorf("parsed %+v", c)
	}
	if n, ok := c.Contact.Line.Number(); !ok || n != 1 {
		t.Errorf("contact line %q: Number() = %d, %v; want 1, true", c.Contact.Line, n, ok)
	}
	if c.Contact.Type != door.NormallyOpen || c.Contact.ClosedLevel != door.High || c.Contact.Bias != door.BiasPullDown || c.Contact.Debounce != 30*time.Millisecond {
		t.Errorf("contact %+v", c.Contact)
	}
	// Defaults fill what the file leaves out.
	if c.Exit.Type != door.NormallyOpen || c.Exit.Debounce != 50*time.Millisecond || c.HeldOpenAlarm != 30*time.Second || c.Fire.Line != "" {
		t.Errorf("defaults not applied: rex %+v, held_open_alarm %v, fire %+v", c.Exit, c.HeldOpenAlarm, c.Fire)
	}

	bad := []struct {
		name, doc, want string
	}{
		{"no door section", "mqtt: {}\n", "no top-level door: section"},
		{"unknown key", "door:\n  backend: sim\n  relase: 5s\n", "field relase not found"},
		{"unknown nested key", "door:\n  backend: sim\n  lock: {line: 1, polarity: high}\n", "field polarity not found"},
		{"number as duration", "door:\n  backend: sim\n  release: 5\n", "line 3: cannot unmarshal !!int `5` into time.Duration (durations need a unit"},
		{"too short release", "door:\n  backend: sim\n  release: 1s\n", "door.release: 1s is below the 3 s minimum"},
		{"not yaml", "door: [\n", "config:"},
		{"door is a list", "door: [1, 2]\n", "cannot unmarshal !!seq into door.Config"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := door.ParseConfigFile([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseConfigFile: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestLineRefNumber(t *testing.T) {
	tests := []struct {
		ref  door.LineRef
		n    int
		isNo bool
	}{{"17", 17, true}, {"0", 0, true}, {"GPIO17", 0, false}, {"", 0, false}, {"-1", 0, false}, {"1a", 0, false}, {"99999999999999999999", 0, false}}
	for _, tt := range tests {
		n, ok := tt.ref.Number()
		if n != tt.n || ok != tt.isNo {
			t.Errorf("LineRef(%q).Number() = %d, %v; want %d, %v", tt.ref, n, ok, tt.n, tt.isNo)
		}
	}
}

func TestUnknownBackendListsKnown(t *testing.T) {
	c := testConfig()
	c.Backend = "i2c"
	_, err := door.OpenLines(c)
	if err == nil || !strings.Contains(err.Error(), `unknown backend "i2c" (known: gpiochip, sim)`) {
		t.Errorf("OpenLines: %v", err)
	}
}

// FuzzParseConfigFile checks that no config file makes the parser panic and
// that whatever it accepts is valid.
func FuzzParseConfigFile(f *testing.F) {
	f.Add([]byte("door:\n  backend: sim\n"))
	f.Add([]byte("door:\n  backend: gpiochip\n  chip: gpiochip0\n  lock: {line: 17}\n  contact: {line: GPIO27, type: nc}\n  release: 3s\n"))
	f.Add([]byte("door: {lock: {line: LOCK, active: low, type: fail-safe}, contact: {line: 1}, fire: {line: FIRE, type: \"no\"}}\n"))
	f.Add([]byte("door:\n  release: 1s\n"))
	f.Add([]byte("door: &a [*a]\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := door.ParseConfigFile(data)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted a config that does not validate: %v", err)
		}
	})
}
