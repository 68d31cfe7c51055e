package main

// Admin subcommands: keys, enroll, revoke, erase, resync, events. They talk
// to devices over MQTT with Ed25519-signed commands (docs/mqtt.md).

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/facegate/facegate/mqtt"
)

func init() {
	register("keys", command{
		summary: "generate an admin Ed25519 key pair for signing commands",
		usage:   "keys gen --out NAME   (writes NAME.key 0600 and NAME.pub)",
		run:     runKeys,
	})
	register("enroll", command{
		summary: "enroll a person (or a folder of persons) on a device or a site",
		usage:   "enroll (--person ID --name N --photo a.jpg [--photo ...] | --dir DIR) (--device D | --site S) [common flags]",
		run:     runEnroll,
	})
	register("revoke", command{
		summary: "disable a person on a device or a site",
		usage:   "revoke --person ID (--device D | --site S) [common flags]",
		run: func(ctx context.Context, args []string, o, e io.Writer) error {
			return runPersonCmd(ctx, "revoke", args, o, e)
		},
	})
	register("erase", command{
		summary: "delete a person's templates and metadata from a device or a site",
		usage:   "erase --person ID (--device D | --site S) [common flags]",
		run: func(ctx context.Context, args []string, o, e io.Writer) error {
			return runPersonCmd(ctx, "erase", args, o, e)
		},
	})
	register("resync", command{
		summary: "compare a device's gallery with a folder of persons and push the difference",
		usage:   "resync --dir DIR (--device D | --site S) [--dry-run] [--erase-extra] [common flags]",
		run:     runResync,
	})
	register("events", command{
		summary: "print device events as a table or JSON",
		usage:   "events [--device D] [--follow] [--json] [common flags]",
		run:     runEvents,
	})
}

// adminFileConfig is the CLI's config file (--config); flags override it.
type adminFileConfig struct {
	Broker   string        `yaml:"broker"`
	Prefix   string        `yaml:"prefix"`
	Site     string        `yaml:"site"`
	CAFile   string        `yaml:"ca_file"`
	CertFile string        `yaml:"cert_file"`
	KeyFile  string        `yaml:"key_file"`
	Admin    string        `yaml:"admin"`
	AdminKey string        `yaml:"admin_key"`
	Timeout  time.Duration `yaml:"timeout"`
	TTL      time.Duration `yaml:"ttl"`
	MaxBytes int           `yaml:"max_command_bytes"`
}

// adminFlags registers the flags every admin command shares.
type adminFlags struct {
	configFile string
	cfg        adminFileConfig
	set        map[string]bool
	fs         *flag.FlagSet
	device     string
}

func newAdminFlags(name string, stderr io.Writer, withTarget bool) *adminFlags {
	c := &adminFlags{fs: newFlagSet(name, stderr)}
	fs := c.fs
	fs.StringVar(&c.configFile, "config", "", "YAML file with broker, prefix, site, ca_file, cert_file, key_file, admin, admin_key, timeout, ttl")
	fs.StringVar(&c.cfg.Broker, "broker", "", "broker URL, e.g. ssl://broker:8883")
	fs.StringVar(&c.cfg.Prefix, "prefix", "", "topic prefix (default facegate/v1)")
	fs.StringVar(&c.cfg.Site, "site", "", "site id; given without --device it targets every device of the site")
	fs.StringVar(&c.cfg.CAFile, "ca", "", "CA certificate (PEM) the broker must chain to")
	fs.StringVar(&c.cfg.CertFile, "cert", "", "admin TLS client certificate (PEM)")
	fs.StringVar(&c.cfg.KeyFile, "key", "", "admin TLS client key (PEM)")
	fs.StringVar(&c.cfg.Admin, "admin", "", "admin name as listed in the devices' mqtt.admin_keys")
	fs.StringVar(&c.cfg.AdminKey, "admin-key", "", "admin Ed25519 private key file (from facegate keys gen)")
	fs.DurationVar(&c.cfg.Timeout, "timeout", 0, "how long to wait for acks (default 30s)")
	fs.DurationVar(&c.cfg.TTL, "ttl", 0, "command lifetime (default 1h)")
	if withTarget {
		fs.StringVar(&c.device, "device", "", "target device id (in --site or the config's site)")
	}
	return c
}

// parse parses args, then fills unset values from the config file and defaults.
func (c *adminFlags) parse(args []string) error {
	if err := c.fs.Parse(args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return usageError("unexpected argument %q", c.fs.Arg(0))
	}
	c.set = map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	if c.configFile != "" {
		b, err := os.ReadFile(c.configFile)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		var fc adminFileConfig
		d := yaml.NewDecoder(bytes.NewReader(b))
		d.KnownFields(true)
		if err := d.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("config %s: %w", c.configFile, err)
		}
		merge := func(flagName string, dst *string, v string) {
			if !c.set[flagName] && v != "" {
				*dst = v
			}
		}
		merge("broker", &c.cfg.Broker, fc.Broker)
		merge("prefix", &c.cfg.Prefix, fc.Prefix)
		merge("site", &c.cfg.Site, fc.Site)
		merge("ca", &c.cfg.CAFile, fc.CAFile)
		merge("cert", &c.cfg.CertFile, fc.CertFile)
		merge("key", &c.cfg.KeyFile, fc.KeyFile)
		merge("admin", &c.cfg.Admin, fc.Admin)
		merge("admin-key", &c.cfg.AdminKey, fc.AdminKey)
		if !c.set["timeout"] && fc.Timeout != 0 {
			c.cfg.Timeout = fc.Timeout
		}
		if !c.set["ttl"] && fc.TTL != 0 {
			c.cfg.TTL = fc.TTL
		}
		c.cfg.MaxBytes = fc.MaxBytes
	}
	if c.cfg.Timeout == 0 {
		c.cfg.Timeout = 30 * time.Second
	}
	if c.cfg.TTL == 0 {
		c.cfg.TTL = time.Hour
	}
	if c.cfg.MaxBytes == 0 {
		c.cfg.MaxBytes = mqtt.DefaultMaxCommandBytes
	}
	for _, r := range []struct{ name, v string }{{"broker", c.cfg.Broker}, {"site", c.cfg.Site}, {"ca", c.cfg.CAFile}, {"cert", c.cfg.CertFile}, {"key", c.cfg.KeyFile}} {
		if r.v == "" {
			return usageError("--%s is required (or set it in --config)", r.name)
		}
	}
	return nil
}

// target returns "device:<id>" for --device, else "site:<site>" when
// --site was given on the command line.
func (c *adminFlags) target() (string, error) {
	switch {
	case c.device != "":
		if !mqtt.ValidID(c.device) {
			return "", usageError("--device %q is not a valid device id", c.device)
		}
		return "device:" + c.device, nil
	case c.set["site"]:
		return "site:" + c.cfg.Site, nil
	}
	return "", usageError("give --device D (one device) or --site S (every device of the site)")
}

// expectAcks is how many acks per command to wait for: one for a device;
// for a site, every ack that arrives before the timeout.
func (c *adminFlags) expectAcks() int {
	if c.device != "" {
		return 1
	}
	return 0
}

func (c *adminFlags) signer() (*mqtt.Signer, error) {
	if c.cfg.Admin == "" || c.cfg.AdminKey == "" {
		return nil, usageError("--admin and --admin-key are required to sign commands")
	}
	key, err := loadAdminKey(c.cfg.AdminKey)
	if err != nil {
		return nil, err
	}
	return &mqtt.Signer{Admin: c.cfg.Admin, Key: key, SeqFile: c.cfg.AdminKey + ".seq"}, nil
}

func (c *adminFlags) dial(ctx context.Context, persistentID string, onEvent func(string, []byte)) (*mqtt.AdminClient, error) {
	tlsCfg, err := mqtt.NewTLSConfig(mqtt.TLSFiles{CA: c.cfg.CAFile, Cert: c.cfg.CertFile, Key: c.cfg.KeyFile}, nil, nil)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return mqtt.DialAdmin(dctx, mqtt.AdminOptions{Broker: c.cfg.Broker, Prefix: c.cfg.Prefix, Site: c.cfg.Site,
		TLS: tlsCfg, ClientID: persistentID, Persistent: persistentID != "", OnEvent: onEvent})
}

// commandClient loads the admin signing key and connects a client already
// subscribed to the acks, ready to send signed commands.
func (c *adminFlags) commandClient(ctx context.Context) (*mqtt.Signer, *mqtt.AdminClient, error) {
	signer, err := c.signer()
	if err != nil {
		return nil, nil, err
	}
	cl, err := c.dial(ctx, "", nil)
	if err != nil {
		return nil, nil, err
	}
	if err := cl.SubscribeAcks(ctx); err != nil {
		cl.Close()
		return nil, nil, err
	}
	return signer, cl, nil
}

func runKeys(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "gen" {
		return usageError("want `keys gen --out NAME`")
	}
	fs := newFlagSet("keys gen", stderr)
	out := fs.String("out", "", "output path prefix: writes PREFIX.key and PREFIX.pub")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return usageError("--out is required")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	keyFile, pubFile := *out+".key", *out+".pub"
	f, err := os.OpenFile(keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s (an existing key is never overwritten): %w", keyFile, err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", keyFile, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", keyFile, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", keyFile, err)
	}
	b64 := base64.StdEncoding.EncodeToString(pub)
	if err := os.WriteFile(pubFile, []byte(b64+"\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", pubFile, err)
	}
	name := filepath.Base(*out)
	fmt.Fprintf(stdout, "wrote %s (private, keep it safe) and %s\nadd to each device's config:\n  mqtt:\n    admin_keys:\n      %s: %q\n", keyFile, pubFile, name, b64)
	return nil
}

func loadAdminKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("admin key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("admin key %s: no PEM \"PRIVATE KEY\" block (make one with facegate keys gen)", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("admin key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("admin key %s is %T, want Ed25519", path, k)
	}
	return priv, nil
}

// adminPerson is one person of a batch folder.
type adminPerson struct {
	id      string
	name    string
	photos  []string
	version uint64
}

// readAdminPersonDir reads DIR/<person>/*.jpg (and .jpeg). The display name is
// DIR/<person>/name.txt if present, else the folder name; the version is the
// newest photo's modification time in Unix seconds.
func readAdminPersonDir(dir string, stderr io.Writer) ([]adminPerson, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []adminPerson
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if !mqtt.ValidID(e.Name()) {
			fmt.Fprintf(stderr, "skipping %s: not a valid person id (A-Z a-z 0-9 . _ -, at most 64)\n", filepath.Join(dir, e.Name()))
			continue
		}
		p := adminPerson{id: e.Name(), name: e.Name()}
		pdir := filepath.Join(dir, e.Name())
		if b, err := os.ReadFile(filepath.Join(pdir, "name.txt")); err == nil {
			p.name = strings.TrimSpace(string(b))
		}
		files, err := os.ReadDir(pdir)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", pdir, err)
		}
		for _, f := range files {
			ext := strings.ToLower(filepath.Ext(f.Name()))
			if f.IsDir() || (ext != ".jpg" && ext != ".jpeg") {
				continue
			}
			info, err := f.Info()
			if err != nil {
				return nil, err
			}
			p.version = max(p.version, uint64(max(info.ModTime().Unix(), 0)))
			p.photos = append(p.photos, filepath.Join(pdir, f.Name()))
		}
		sort.Strings(p.photos)
		if len(p.photos) == 0 {
			fmt.Fprintf(stderr, "skipping %s: no .jpg photos\n", pdir)
			continue
		}
		if len(p.photos) > mqtt.MaxPhotos {
			fmt.Fprintf(stderr, "%s: %d photos, sending the first %d\n", pdir, len(p.photos), mqtt.MaxPhotos)
			p.photos = p.photos[:mqtt.MaxPhotos]
		}
		out = append(out, p)
	}
	return out, nil
}

type photoFlags []string

func (m *photoFlags) String() string     { return strings.Join(*m, ",") }
func (m *photoFlags) Set(v string) error { *m = append(*m, v); return nil }

func runEnroll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newAdminFlags("enroll", stderr, true)
	var photos photoFlags
	person := c.fs.String("person", "", "person id")
	name := c.fs.String("name", "", "display name")
	dir := c.fs.String("dir", "", "batch: enroll every DIR/<person>/*.jpg")
	validFrom := c.fs.String("valid-from", "", "RFC 3339 start of the validity window")
	validUntil := c.fs.String("valid-until", "", "RFC 3339 end of the validity window")
	version := c.fs.Uint64("version", 0, "person version for resync (default: now in Unix seconds)")
	update := c.fs.Bool("add", false, "add templates to the person instead of replacing them (sends update)")
	c.fs.Var(&photos, "photo", "JPEG photo (1-5, repeatable)")
	if err := c.parse(args); err != nil {
		return err
	}
	target, err := c.target()
	if err != nil {
		return err
	}
	var people []adminPerson
	switch {
	case *dir != "" && (*person != "" || len(photos) > 0):
		return usageError("give --dir or --person/--photo, not both")
	case *dir != "":
		if people, err = readAdminPersonDir(*dir, stderr); err != nil {
			return err
		}
		if len(people) == 0 {
			return fmt.Errorf("no person folders with photos in %s", *dir)
		}
	default:
		if !mqtt.ValidID(*person) {
			return usageError("--person %q: want 1-64 characters from A-Z a-z 0-9 . _ -", *person)
		}
		if len(photos) < 1 || len(photos) > mqtt.MaxPhotos {
			return usageError("%d photos: give 1 to %d --photo", len(photos), mqtt.MaxPhotos)
		}
		v := *version
		if v == 0 {
			v = uint64(time.Now().Unix())
		}
		people = []adminPerson{{id: *person, name: *name, photos: photos, version: v}}
	}
	var from, until *time.Time
	for _, p := range []struct {
		flag string
		v    string
		dst  **time.Time
	}{{"valid-from", *validFrom, &from}, {"valid-until", *validUntil, &until}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, p.v)
		if err != nil {
			return usageError("--%s %q: want RFC 3339 like 2026-01-31T00:00:00Z", p.flag, p.v)
		}
		*p.dst = &t
	}
	typ := mqtt.CmdEnroll
	if *update {
		typ = mqtt.CmdUpdate
	}
	signer, cl, err := c.commandClient(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	return adminEnrollPeople(ctx, c, cl, signer, target, typ, people, from, until, stdout, stderr)
}

// adminEnrollPeople sends one enroll per person, shows progress on stderr, waits
// for the acks and prints a summary. It fails if any photo or person was
// rejected or unacknowledged.
func adminEnrollPeople(ctx context.Context, c *adminFlags, cl *mqtt.AdminClient, signer *mqtt.Signer, target, typ string,
	people []adminPerson, from, until *time.Time, stdout, stderr io.Writer) error {
	ids := map[string]bool{}
	byID := map[string]adminPerson{}
	for i, p := range people {
		a := mqtt.EnrollArgs{PersonID: p.id, Name: p.name, ValidFrom: from, ValidUntil: until, Version: p.version}
		for _, f := range p.photos {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("photo: %w", err)
			}
			a.Photos = append(a.Photos, b)
		}
		cmd, payload, err := signer.Sign(target, typ, a, c.cfg.TTL)
		if err != nil {
			return err
		}
		if len(payload) > c.cfg.MaxBytes {
			return fmt.Errorf("person %s: command is %d bytes, over the devices' limit of %d (mqtt.max_command_bytes): use fewer or smaller photos",
				p.id, len(payload), c.cfg.MaxBytes)
		}
		if err := cl.Send(ctx, target, payload); err != nil {
			return fmt.Errorf("person %s: %w", p.id, err)
		}
		ids[cmd.ID] = true
		byID[cmd.ID] = p
		adminProgress(stderr, "sent", i+1, len(people), p.id)
	}
	fmt.Fprintln(stderr)
	wctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	acks := adminCollectAcks(wctx, cl, ids, c.expectAcks(), stderr)

	var accepted, rejected, failed, missing int
	tw := newAdminTable(stdout, "PERSON", "DEVICE", "STATUS", "PHOTOS")
	for id, p := range byID {
		if len(acks[id]) == 0 {
			missing++
			tw.row(p.id, "-", "no ack within "+c.cfg.Timeout.String(), "")
			continue
		}
		for _, a := range acks[id] {
			var parts []string
			for _, ph := range a.Photos {
				if ph.Status == "accepted" {
					accepted++
					parts = append(parts, filepath.Base(p.photos[ph.Index])+": accepted")
				} else {
					rejected++
					parts = append(parts, fmt.Sprintf("%s: rejected (%s)", filepath.Base(adminPhotoName(p, ph.Index)), ph.Reason))
				}
			}
			status := a.Status
			if a.Status != mqtt.AckApplied {
				failed++
				status += ": " + strings.TrimSpace(a.Reason+" "+a.Detail)
			}
			tw.row(p.id, a.Device, status, strings.Join(parts, "; "))
		}
	}
	tw.flush()
	fmt.Fprintf(stdout, "summary: %d persons, %d photos accepted, %d rejected, %d commands failed or rejected, %d without ack\n",
		len(people), accepted, rejected, failed, missing)
	if failed > 0 || missing > 0 || (c.expectAcks() == 0 && len(acks) == 0) {
		return errors.New("not every enrollment was applied (see above)")
	}
	return nil
}

func adminPhotoName(p adminPerson, i int) string {
	if i >= 0 && i < len(p.photos) {
		return p.photos[i]
	}
	return fmt.Sprintf("photo %d", i)
}

// adminCollectAcks waits for acks, updating a progress line.
func adminCollectAcks(ctx context.Context, cl *mqtt.AdminClient, ids map[string]bool, per int, stderr io.Writer) map[string][]mqtt.Ack {
	acks := cl.WaitAcks(ctx, ids, per)
	n := 0
	for _, a := range acks {
		n += len(a)
	}
	total := len(ids) * per
	if per <= 0 {
		total = n // a site: as many as arrived
	}
	adminProgress(stderr, "acks", n, total, "")
	fmt.Fprintln(stderr)
	return acks
}

// progress draws a one-line progress bar on stderr.
func adminProgress(w io.Writer, what string, done, total int, item string) {
	const width = 30
	filled := width
	if total > 0 {
		filled = min(width, done*width/total)
	}
	fmt.Fprintf(w, "\r%-5s [%s%s] %d/%d %-24s", what, strings.Repeat("#", filled), strings.Repeat("-", width-filled), done, total, item)
}

func runPersonCmd(ctx context.Context, typ string, args []string, stdout, stderr io.Writer) error {
	c := newAdminFlags(typ, stderr, true)
	person := c.fs.String("person", "", "person id")
	if err := c.parse(args); err != nil {
		return err
	}
	if !mqtt.ValidID(*person) {
		return usageError("--person %q: want 1-64 characters from A-Z a-z 0-9 . _ -", *person)
	}
	target, err := c.target()
	if err != nil {
		return err
	}
	signer, cl, err := c.commandClient(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	return adminSendAndReport(ctx, c, cl, signer, target, typ, mqtt.PersonArgs{PersonID: *person}, stdout, stderr)
}

// adminSendAndReport sends one command and prints its acks.
func adminSendAndReport(ctx context.Context, c *adminFlags, cl *mqtt.AdminClient, signer *mqtt.Signer, target, typ string, args any, stdout, stderr io.Writer) error {
	acks, err := adminSendWait(ctx, c, cl, signer, target, typ, args, stderr)
	if err != nil {
		return err
	}
	tw := newAdminTable(stdout, "DEVICE", "STATUS", "DETAIL")
	bad := 0
	for _, a := range acks {
		if a.Status != mqtt.AckApplied {
			bad++
		}
		tw.row(a.Device, a.Status, strings.TrimSpace(a.Reason+" "+a.Detail))
	}
	tw.flush()
	switch {
	case len(acks) == 0:
		return fmt.Errorf("%s: no ack within %v", typ, c.cfg.Timeout)
	case bad > 0:
		return fmt.Errorf("%s: %d of %d devices did not apply it", typ, bad, len(acks))
	}
	return nil
}

func adminSendWait(ctx context.Context, c *adminFlags, cl *mqtt.AdminClient, signer *mqtt.Signer, target, typ string, args any, stderr io.Writer) ([]mqtt.Ack, error) {
	cmd, payload, err := signer.Sign(target, typ, args, c.cfg.TTL)
	if err != nil {
		return nil, err
	}
	if err := cl.Send(ctx, target, payload); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	return adminCollectAcks(wctx, cl, map[string]bool{cmd.ID: true}, c.expectAcks(), stderr)[cmd.ID], nil
}

func runResync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newAdminFlags("resync", stderr, true)
	dir := c.fs.String("dir", "", "the site gallery: DIR/<person>/*.jpg")
	dry := c.fs.Bool("dry-run", false, "only report the difference")
	eraseExtra := c.fs.Bool("erase-extra", false, "erase persons the device holds but DIR does not (default: revoke them)")
	if err := c.parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError("--dir is required")
	}
	target, err := c.target()
	if err != nil {
		return err
	}
	people, err := readAdminPersonDir(*dir, stderr)
	if err != nil {
		return err
	}
	manifest := mqtt.SiteManifest{Version: time.Now().UTC().Format(time.RFC3339)}
	byID := map[string]adminPerson{}
	for _, p := range people {
		manifest.Persons = append(manifest.Persons, mqtt.ManifestEntry{ID: p.id, Version: p.version})
		byID[p.id] = p
	}
	signer, cl, err := c.commandClient(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	acks, err := adminSendWait(ctx, c, cl, signer, target, mqtt.CmdResync, mqtt.ResyncArgs{Manifest: manifest}, stderr)
	if err != nil {
		return err
	}
	if len(acks) == 0 {
		return fmt.Errorf("resync: no ack within %v", c.cfg.Timeout)
	}
	for _, a := range acks {
		fmt.Fprintf(stdout, "%s: %s; missing or outdated %v; extra %v\n", a.Device, a.Status, a.Missing, a.Extra)
		if a.Status != mqtt.AckApplied || *dry {
			continue
		}
		dev := c.device
		if dev == "" {
			dev = a.Device // push the difference to each device that reported it
		}
		dc := *c
		dc.device = dev
		var push []adminPerson
		for _, id := range a.Missing {
			push = append(push, byID[id])
		}
		if len(push) > 0 {
			if err := adminEnrollPeople(ctx, &dc, cl, signer, "device:"+dev, mqtt.CmdEnroll, push, nil, nil, stdout, stderr); err != nil {
				return fmt.Errorf("device %s: %w", dev, err)
			}
		}
		typ := mqtt.CmdRevoke
		if *eraseExtra {
			typ = mqtt.CmdErase
		}
		for _, id := range a.Extra {
			if err := adminSendAndReport(ctx, &dc, cl, signer, "device:"+dev, typ, mqtt.PersonArgs{PersonID: id}, stdout, stderr); err != nil {
				return fmt.Errorf("device %s, %s %s: %w", dev, typ, id, err)
			}
		}
	}
	return nil
}

func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newAdminFlags("events", stderr, false)
	device := c.fs.String("device", "", "only this device (default: every device of the site)")
	follow := c.fs.Bool("follow", false, "keep printing new events until interrupted")
	asJSON := c.fs.Bool("json", false, "print each event as one JSON line")
	idle := c.fs.Duration("idle", 2*time.Second, "without --follow, exit after this long without events")
	session := c.fs.String("session", "", "persistent session name: events published while away are delivered on the next run")
	if err := c.parse(args); err != nil {
		return err
	}
	id := ""
	if *session != "" {
		id = "facegate-events-" + *session
	}
	lines := make(chan []byte, 1024)
	cl, err := c.dial(ctx, id, func(_ string, payload []byte) {
		select {
		case lines <- append([]byte(nil), payload...):
		case <-ctx.Done():
		}
	})
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.SubscribeEvents(ctx, *device); err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "%-24s %-12s %8s %-18s %s\n", "TIME", "DEVICE", "SEQ", "TYPE", "DETAIL")
	}
	for {
		var timeout <-chan time.Time
		if !*follow {
			timeout = time.After(*idle)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-timeout:
			return nil
		case b := <-lines:
			ev, err := mqtt.DecodeEnvelope(b)
			if err != nil {
				fmt.Fprintf(stderr, "skipping malformed event: %v\n", err)
				continue
			}
			if *asJSON {
				stdout.Write(append(bytes.TrimSpace(b), '\n'))
				continue
			}
			t := ev.Time.UTC().Format("2006-01-02T15:04:05.000Z")
			if !ev.ClockSynced {
				t += "?"
			}
			fmt.Fprintf(stdout, "%-24s %-12s %8d %-18s %s\n", t, ev.Device, ev.Seq, ev.Type, adminEventDetail(ev))
		}
	}
}

// adminEventDetail renders an event's data as key=value pairs.
func adminEventDetail(ev mqtt.Envelope) string {
	var m map[string]any
	if err := json.Unmarshal(ev.Data, &m); err != nil {
		return string(ev.Data)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v, _ := json.Marshal(m[k])
		parts = append(parts, k+"="+strings.Trim(string(v), `"`))
	}
	return strings.Join(parts, " ")
}

// table prints aligned columns.
type adminTable struct {
	w    io.Writer
	rows [][]string
}

func newAdminTable(w io.Writer, header ...string) *adminTable {
	return &adminTable{w: w, rows: [][]string{header}}
}

func (t *adminTable) row(cols ...string) { t.rows = append(t.rows, cols) }

func (t *adminTable) flush() {
	widths := map[int]int{}
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s  ", widths[i], c)
			}
		}
		fmt.Fprintln(t.w, strings.TrimRight(b.String(), " "))
	}
}
