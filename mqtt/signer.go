package mqtt

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Signer makes signed commands for one admin key (the admin CLI side).
type Signer struct {
	// Admin is the key's name as configured in the devices' admin_keys.
	Admin string
	Key   ed25519.PrivateKey
	// SeqFile, if set, stores the last sequence used so it stays monotonic
	// across runs even if the clock steps back.
	SeqFile string
	Now     func() time.Time

	mu   sync.Mutex
	last uint64
}

// String and LogValue keep the private key out of logs and error messages.
func (s *Signer) String() string {
	return fmt.Sprintf("mqtt.Signer{Admin: %q, Key: [redacted]}", s.Admin)
}

// LogValue implements slog.LogValuer.
func (s *Signer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("admin", s.Admin), slog.String("key", "[redacted]"))
}

// nextSeq returns max(last+1, now in Unix microseconds) and stores it.
func (s *Signer) nextSeq(now time.Time) (uint64, error) {
	if s.last == 0 && s.SeqFile != "" {
		b, err := os.ReadFile(s.SeqFile)
		if err != nil && !os.IsNotExist(err) {
			return 0, fmt.Errorf("read sequence file: %w", err)
		}
		if err == nil {
			v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("sequence file %s: %w", s.SeqFile, err)
			}
			s.last = v
		}
	}
	seq := s.last + 1
	if t := uint64(max(now.UnixMicro(), 0)); t > seq {
		seq = t
	}
	if s.SeqFile != "" {
		if err := writeFileAtomic(s.SeqFile, []byte(strconv.FormatUint(seq, 10)+"\n")); err != nil {
			return 0, err
		}
	}
	s.last = seq
	return seq, nil
}

// Sign builds and signs a command of type typ for target ("device:<id>" or
// "site:<id>") with args, valid for ttl. It returns the command (with its
// id) and the payload to publish.
func (s *Signer) Sign(target, typ string, args any, ttl time.Duration) (Command, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, _, err := ParseTarget(target); err != nil {
		return Command{}, nil, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now().UTC().Truncate(time.Second)
	raw, err := json.Marshal(args)
	if err != nil {
		return Command{}, nil, fmt.Errorf("command args: %w", err)
	}
	seq, err := s.nextSeq(now())
	if err != nil {
		return Command{}, nil, err
	}
	c := Command{V: SchemaVersion, ID: NewID(t), Admin: s.Admin, Seq: seq, Target: target,
		Issued: t, Expires: t.Add(ttl), Type: typ, Args: raw}
	b, err := Sign(s.Key, c)
	if err != nil {
		return Command{}, nil, err
	}
	return c, b, nil
}

// CommandTopic returns the topic a command for target is published on.
func CommandTopic(prefix, site, target string) (string, error) {
	kind, id, err := ParseTarget(target)
	if err != nil {
		return "", err
	}
	if kind == "site" {
		return NewTopics(prefix, id, "all").SiteCmd, nil
	}
	return NewTopics(prefix, site, id).Cmd, nil
}

// writeFileAtomic writes data to path via a temp file, fsync, rename and
// a directory fsync.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
