package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/mqtt"
)

func init() {
	register("provision", command{
		summary: "write a device's config, create its device and gallery keys, print its key fingerprint",
		usage: "provision --site S --device D --broker URL [--admin-key NAME=PUBKEY ...] [--config /etc/facegate/facegated.yaml]\n" +
			"          [--state-dir /var/lib/facegate] [--ca FILE --cert FILE --key FILE] [--lock-line L --contact-line L --rex-line L]\n" +
			"          [--camera DEV] [--force]",
		run: runProvision,
	})
}

// multiFlag collects repeated flag values.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

var provisionIDRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

type provisionOpts struct {
	site, device, broker           string
	configPath, stateDir           string
	ca, cert, key                  string
	lockLine, contactLine, rexLine string
	camera                         string
	adminKeys                      multiFlag
	force                          bool
}

func runProvision(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o provisionOpts
	fs := newFlagSet("provision", stderr)
	fs.StringVar(&o.site, "site", "", "site id (a-z, 0-9, _ and -)")
	fs.StringVar(&o.device, "device", "", "device id, unique within the site")
	fs.StringVar(&o.broker, "broker", "", "MQTT broker URL, e.g. ssl://broker.example:8883")
	fs.StringVar(&o.configPath, "config", "/etc/facegate/facegated.yaml", "config file to write")
	fs.StringVar(&o.stateDir, "state-dir", "/var/lib/facegate", "state directory (keys, gallery, outbox)")
	fs.StringVar(&o.ca, "ca", "/etc/facegate/ca.pem", "broker CA certificate (PEM)")
	fs.StringVar(&o.cert, "cert", "/etc/facegate/device.crt", "device TLS client certificate (PEM)")
	fs.StringVar(&o.key, "key", "/etc/facegate/device.key", "device TLS client key (PEM)")
	fs.StringVar(&o.lockLine, "lock-line", "GPIO17", "GPIO line driving the lock relay")
	fs.StringVar(&o.contactLine, "contact-line", "GPIO27", "GPIO line of the door contact")
	fs.StringVar(&o.rexLine, "rex-line", "GPIO22", "GPIO line of the exit button (empty: none)")
	fs.StringVar(&o.camera, "camera", "/dev/video0", "camera device (prefer /dev/v4l/by-id/...)")
	fs.Var(&o.adminKeys, "admin-key", "trusted admin NAME=Ed25519 public key (base64); repeatable")
	fs.BoolVar(&o.force, "force", false, "overwrite an existing config file (keys are never overwritten)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError("%v", err)
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	if err := o.validate(); err != nil {
		return usageError("%v", err)
	}
	res, err := provision(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "config:          %s\n", o.configPath)
	fmt.Fprintf(stdout, "gallery key:     %s (%s)\n", res.galleryKey, res.galleryKeyState)
	fmt.Fprintf(stdout, "device key:      %s (%s)\n", res.deviceKey, res.deviceKeyState)
	fmt.Fprintf(stdout, "device public key: %s\n", base64.StdEncoding.EncodeToString(res.pub))
	fmt.Fprintf(stdout, "fingerprint:     %s\n", fingerprint(res.pub))
	fmt.Fprintf(stdout, "\nRegister this device (site %s, device %s) with the fingerprint above.\n", o.site, o.device)
	if len(o.adminKeys) == 0 {
		fmt.Fprintln(stdout, "No --admin-key given: add mqtt.admin_keys to the config before starting facegated.")
	}
	if fd, err := exec.LookPath("facegated"); err == nil {
		out, err := exec.CommandContext(ctx, fd, "-check-config", "-config", o.configPath).CombinedOutput()
		if err != nil {
			fmt.Fprintf(stdout, "facegated -check-config: %s", out)
		} else {
			fmt.Fprintf(stdout, "facegated -check-config: ok\n")
		}
	}
	return nil
}

func (o *provisionOpts) validate() error {
	if !provisionIDRE.MatchString(o.site) {
		return fmt.Errorf("--site %q: use 1-64 characters from a-z, 0-9, _ and -", o.site)
	}
	if !provisionIDRE.MatchString(o.device) {
		return fmt.Errorf("--device %q: use 1-64 characters from a-z, 0-9, _ and -", o.device)
	}
	u, err := url.Parse(o.broker)
	if o.broker == "" || err != nil || u.Host == "" {
		return fmt.Errorf("--broker %q: give the broker URL, e.g. ssl://broker.example:8883", o.broker)
	}
	if !filepath.IsAbs(o.stateDir) {
		return fmt.Errorf("--state-dir %q: use an absolute path", o.stateDir)
	}
	for _, a := range o.adminKeys {
		name, key, ok := strings.Cut(a, "=")
		if !ok || !mqtt.ValidID(name) {
			return fmt.Errorf("--admin-key %q: use NAME=BASE64KEY", a)
		}
		if _, err := mqtt.ParsePublicKey(key); err != nil {
			return fmt.Errorf("--admin-key %s: %v", name, err)
		}
	}
	return nil
}

type provisionResult struct {
	galleryKey, galleryKeyState string
	deviceKey, deviceKeyState   string
	pub                         ed25519.PublicKey
}

// provision creates the keys (keeping existing ones) and writes the config.
func provision(o provisionOpts) (provisionResult, error) {
	if _, err := os.Stat(o.configPath); err == nil && !o.force {
		return provisionResult{}, fmt.Errorf("config %s exists: pass --force to overwrite it (keys are kept)", o.configPath)
	}
	if err := os.MkdirAll(o.stateDir, 0o700); err != nil {
		return provisionResult{}, fmt.Errorf("state dir: %w", err)
	}
	r := provisionResult{
		galleryKey: filepath.Join(o.stateDir, "gallery.key"),
		deviceKey:  filepath.Join(o.stateDir, "device-id.key"),
	}
	r.galleryKeyState = "created"
	if err := gallery.CreateKey(r.galleryKey); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return r, err
		}
		if _, lerr := gallery.LoadKey(r.galleryKey); lerr != nil {
			return r, fmt.Errorf("existing gallery key unusable: %w", lerr)
		}
		r.galleryKeyState = "kept existing"
	}
	pub, created, err := deviceIdentity(r.deviceKey)
	if err != nil {
		return r, err
	}
	r.pub = pub
	r.deviceKeyState = "kept existing"
	if created {
		r.deviceKeyState = "created"
	}
	if err := writeFileAtomic(o.configPath, []byte(renderConfig(o)), 0o640); err != nil {
		return r, err
	}
	// Hand the files to the service user when the package created it.
	if u, err := user.Lookup("facegate"); err == nil && os.Geteuid() == 0 {
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{o.stateDir, r.galleryKey, r.deviceKey} {
			if err := os.Chown(p, uid, gid); err != nil {
				return r, fmt.Errorf("chown %s to facegate: %w", p, err)
			}
		}
		if err := os.Chown(o.configPath, 0, gid); err != nil {
			return r, fmt.Errorf("chown %s: %w", o.configPath, err)
		}
	}
	return r, nil
}

// deviceIdentity loads the device's Ed25519 key (PKCS#8 PEM, 0600), or
// creates it if absent.
func deviceIdentity(path string) (ed25519.PublicKey, bool, error) {
	if b, err := os.ReadFile(path); err == nil {
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "PRIVATE KEY" {
			return nil, false, fmt.Errorf("device key %s: not a PEM PRIVATE KEY", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, false, fmt.Errorf("device key %s: %w", path, err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, false, fmt.Errorf("device key %s: %T, want Ed25519", path, k)
		}
		return priv.Public().(ed25519.PublicKey), false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("device key: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, false, err
	}
	if err := writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, false, err
	}
	return pub, true, nil
}

// fingerprint is the SSH-style SHA-256 fingerprint of a public key.
func fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// writeFileAtomic writes via a temp file, fsync, rename and a directory
// fsync, so a power cut leaves the old file or the new one.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func yamlQuote(s string) string { return strconv.Quote(s) }

// renderConfig writes a commented config with the provisioning choices;
// every other key takes its default (see facegated.example.yaml).
func renderConfig(o provisionOpts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# facegated config written by `facegate provision`.\n")
	fmt.Fprintf(&b, "# Keys not listed take their defaults: see /usr/share/doc/facegate/facegated.example.yaml.\n")
	fmt.Fprintf(&b, "# Check after editing: facegated -check-config -config %s\n\n", o.configPath)
	fmt.Fprintf(&b, "device:\n  id: %s\n  site: %s\n\n", yamlQuote(o.device), yamlQuote(o.site))
	fmt.Fprintf(&b, "state_dir: %s\n\n", yamlQuote(o.stateDir))
	fmt.Fprintf(&b, "camera:\n  backend: v4l2\n  device: %s\n\n", yamlQuote(o.camera))
	fmt.Fprintf(&b, "gallery:\n  path: gallery.db\n  key_file: gallery.key   # created by provision; never copy it off the device\n\n")
	fmt.Fprintf(&b, "door:\n  backend: gpiochip\n  chip: gpiochip0\n  lock:\n    line: %s\n    active: high\n    type: fail-secure\n  release: 5s\n", yamlQuote(o.lockLine))
	fmt.Fprintf(&b, "  contact:\n    line: %s\n    type: nc\n    closed_level: low\n", yamlQuote(o.contactLine))
	if o.rexLine != "" {
		fmt.Fprintf(&b, "  rex:\n    line: %s\n    type: \"no\"\n    closed_level: low\n", yamlQuote(o.rexLine))
	}
	fmt.Fprintf(&b, "\nmqtt:\n  broker: %s\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n", yamlQuote(o.broker), yamlQuote(o.ca), yamlQuote(o.cert), yamlQuote(o.key))
	if len(o.adminKeys) == 0 {
		fmt.Fprintf(&b, "  # REQUIRED before start: the admins whose signed commands are trusted.\n  # admin_keys:\n  #   alice: <base64 Ed25519 public key from `facegate keys gen`>\n")
	} else {
		keys := append([]string(nil), o.adminKeys...)
		sort.Strings(keys)
		fmt.Fprintf(&b, "  admin_keys:\n")
		for _, a := range keys {
			name, key, _ := strings.Cut(a, "=")
			fmt.Fprintf(&b, "    %s: %s\n", name, yamlQuote(key))
		}
	}
	fmt.Fprintf(&b, "\nmetrics:\n  listen: 127.0.0.1:9464\n")
	return b.String()
}
