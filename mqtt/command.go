package mqtt

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// signContext is prepended to the body bytes before signing, so a
// facegate command signature cannot be valid for any other protocol.
const signContext = "facegate-cmd-v1\n"

// Command types.
const (
	CmdEnroll    = "enroll"
	CmdUpdate    = "update"
	CmdRevoke    = "revoke"
	CmdErase     = "erase"
	CmdResync    = "resync"
	CmdSetConfig = "set_config"
)

// MaxPhotos is the most photos one enroll or update may carry.
const MaxPhotos = 5

// SignedCommand is the envelope published on a cmd topic. Body is the exact
// signed bytes (base64 in JSON).
type SignedCommand struct {
	V    int    `json:"v"`
	Key  string `json:"key"`
	Body []byte `json:"body"`
	Sig  []byte `json:"sig"`
}

// Command is the signed body of an admin command.
type Command struct {
	V       int             `json:"v"`
	ID      string          `json:"id"`
	Admin   string          `json:"admin"`
	Seq     uint64          `json:"seq"`
	Target  string          `json:"target"`
	Issued  time.Time       `json:"issued"`
	Expires time.Time       `json:"expires"`
	Type    string          `json:"type"`
	Args    json.RawMessage `json:"args"`
}

// EnrollArgs are the args of enroll and update.
type EnrollArgs struct {
	PersonID   string     `json:"person_id"`
	Name       string     `json:"name"`
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	// Version is the admin's content version of the person (resync
	// compares it); 0 lets the device pick stored version + 1.
	Version uint64 `json:"version,omitempty"`
	// Replace replaces the person's templates; nil means true for enroll
	// and false for update.
	Replace *bool    `json:"replace,omitempty"`
	Photos  [][]byte `json:"photos"`
}

// PersonArgs are the args of revoke and erase.
type PersonArgs struct {
	PersonID string `json:"person_id"`
}

// ResyncArgs are the args of resync.
type ResyncArgs struct {
	Manifest SiteManifest `json:"manifest"`
}

// SiteManifest lists the persons the admin's site gallery holds.
type SiteManifest struct {
	Version string          `json:"version"`
	Persons []ManifestEntry `json:"persons"`
}

// ManifestEntry is one person in a manifest.
type ManifestEntry struct {
	ID      string `json:"id"`
	Version uint64 `json:"version"`
}

// SetConfigArgs are the args of set_config.
type SetConfigArgs struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Sign marshals c, signs it with priv and returns the envelope to publish.
// c.Admin must be the key's name as configured on the devices.
func Sign(priv ed25519.PrivateKey, c Command) ([]byte, error) {
	if c.V == 0 {
		c.V = SchemaVersion
	}
	body, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("sign command: %w", err)
	}
	return json.Marshal(SignedCommand{V: SchemaVersion, Key: c.Admin, Body: body, Sig: ed25519.Sign(priv, signedBytes(body))})
}

func signedBytes(body []byte) []byte {
	return append([]byte(signContext), body...)
}

// Verify checks the signature of sc with pub.
func (sc SignedCommand) Verify(pub ed25519.PublicKey) bool {
	return len(sc.Sig) == ed25519.SignatureSize && ed25519.Verify(pub, signedBytes(sc.Body), sc.Sig)
}

// strictUnmarshal decodes exactly one JSON value, rejecting unknown fields.
func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after JSON value")
	}
	return nil
}

// DecodeSigned parses a command envelope (untrusted bytes).
func DecodeSigned(b []byte) (SignedCommand, error) {
	var sc SignedCommand
	if err := strictUnmarshal(b, &sc); err != nil {
		return SignedCommand{}, fmt.Errorf("command envelope: %w", err)
	}
	switch {
	case sc.V != SchemaVersion:
		return SignedCommand{}, fmt.Errorf("command envelope: schema version %d, want %d", sc.V, SchemaVersion)
	case sc.Key == "":
		return SignedCommand{}, errors.New("command envelope: missing key")
	case len(sc.Body) == 0:
		return SignedCommand{}, errors.New("command envelope: missing body")
	case len(sc.Sig) == 0:
		return SignedCommand{}, errors.New("command envelope: missing sig")
	}
	return sc, nil
}

// DecodeCommand parses and checks a command body (after its signature
// verified; still treated as untrusted).
func DecodeCommand(body []byte) (Command, error) {
	var c Command
	if err := strictUnmarshal(body, &c); err != nil {
		return Command{}, fmt.Errorf("command body: %w", err)
	}
	var problems []string
	if c.V != SchemaVersion {
		problems = append(problems, fmt.Sprintf("schema version %d, want %d", c.V, SchemaVersion))
	}
	if c.ID == "" || len(c.ID) > 64 {
		problems = append(problems, "id missing or longer than 64")
	}
	if !ValidID(c.Admin) {
		problems = append(problems, fmt.Sprintf("admin %q invalid", c.Admin))
	}
	if c.Seq == 0 {
		problems = append(problems, "seq missing")
	}
	if _, _, err := ParseTarget(c.Target); err != nil {
		problems = append(problems, err.Error())
	}
	if c.Issued.IsZero() || c.Expires.IsZero() {
		problems = append(problems, "issued or expires missing")
	}
	if c.Type == "" {
		problems = append(problems, "type missing")
	}
	if len(problems) > 0 {
		return Command{}, fmt.Errorf("command body: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// ParseTarget splits "device:<id>" or "site:<id>".
func ParseTarget(t string) (kind, id string, err error) {
	kind, id, ok := strings.Cut(t, ":")
	if !ok || (kind != "device" && kind != "site") || !ValidID(id) {
		return "", "", fmt.Errorf("target %q: want device:<id> or site:<id>", t)
	}
	return kind, id, nil
}

// DecodeEnrollArgs parses and checks enroll/update args.
func DecodeEnrollArgs(raw []byte) (EnrollArgs, error) {
	var a EnrollArgs
	if err := strictUnmarshal(raw, &a); err != nil {
		return EnrollArgs{}, fmt.Errorf("enroll args: %w", err)
	}
	switch {
	case !ValidID(a.PersonID):
		return EnrollArgs{}, fmt.Errorf("enroll args: person_id %q invalid", a.PersonID)
	case len(a.Name) > 256:
		return EnrollArgs{}, fmt.Errorf("enroll args: name longer than 256 bytes")
	case len(a.Photos) < 1 || len(a.Photos) > MaxPhotos:
		return EnrollArgs{}, fmt.Errorf("enroll args: %d photos, want 1..%d", len(a.Photos), MaxPhotos)
	case a.ValidFrom != nil && a.ValidUntil != nil && !a.ValidUntil.After(*a.ValidFrom):
		return EnrollArgs{}, fmt.Errorf("enroll args: valid_until %v is not after valid_from %v", a.ValidUntil, a.ValidFrom)
	}
	return a, nil
}

// DecodePersonArgs parses revoke/erase args.
func DecodePersonArgs(raw []byte) (PersonArgs, error) {
	var a PersonArgs
	if err := strictUnmarshal(raw, &a); err != nil {
		return PersonArgs{}, fmt.Errorf("person args: %w", err)
	}
	if !ValidID(a.PersonID) {
		return PersonArgs{}, fmt.Errorf("person args: person_id %q invalid", a.PersonID)
	}
	return a, nil
}

// DecodeResyncArgs parses resync args.
func DecodeResyncArgs(raw []byte) (ResyncArgs, error) {
	var a ResyncArgs
	if err := strictUnmarshal(raw, &a); err != nil {
		return ResyncArgs{}, fmt.Errorf("resync args: %w", err)
	}
	seen := make(map[string]bool, len(a.Manifest.Persons))
	for _, p := range a.Manifest.Persons {
		if !ValidID(p.ID) {
			return ResyncArgs{}, fmt.Errorf("resync args: person id %q invalid", p.ID)
		}
		if seen[p.ID] {
			return ResyncArgs{}, fmt.Errorf("resync args: person %q listed twice", p.ID)
		}
		seen[p.ID] = true
	}
	return a, nil
}

// DecodeSetConfigArgs parses set_config args.
func DecodeSetConfigArgs(raw []byte) (SetConfigArgs, error) {
	var a SetConfigArgs
	if err := strictUnmarshal(raw, &a); err != nil {
		return SetConfigArgs{}, fmt.Errorf("set_config args: %w", err)
	}
	if a.Key == "" || len(a.Value) == 0 {
		return SetConfigArgs{}, errors.New("set_config args: key and value are required")
	}
	return a, nil
}

// Ack statuses.
const (
	AckApplied  = "applied"
	AckFailed   = "failed"
	AckRejected = "rejected"
)

// Ack is published on the ack topic for every command (again for a
// duplicate delivery).
type Ack struct {
	V         int           `json:"v"`
	CommandID string        `json:"command_id"`
	Device    string        `json:"device"`
	Time      time.Time     `json:"time"`
	Command   string        `json:"command,omitempty"`
	Status    string        `json:"status"`
	Reason    string        `json:"reason,omitempty"`
	Detail    string        `json:"detail,omitempty"`
	Photos    []PhotoResult `json:"photos,omitempty"`
	Missing   []string      `json:"missing,omitempty"`
	Extra     []string      `json:"extra,omitempty"`
	Duplicate bool          `json:"duplicate,omitempty"`
}

// PhotoResult is the outcome of one enrollment photo.
type PhotoResult struct {
	Index  int    `json:"index"`
	Status string `json:"status"` // accepted or rejected
	Reason string `json:"reason,omitempty"`
}

// DecodeAck parses an ack payload (as read by the admin CLI).
func DecodeAck(b []byte) (Ack, error) {
	var a Ack
	if err := json.Unmarshal(b, &a); err != nil {
		return Ack{}, fmt.Errorf("ack: %w", err)
	}
	if a.V != SchemaVersion || a.CommandID == "" || a.Status == "" {
		return Ack{}, fmt.Errorf("ack: want v %d with command_id and status", SchemaVersion)
	}
	return a, nil
}
