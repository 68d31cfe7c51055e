package door

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Opener opens the GPIO lines of a door for one backend. It must request
// the lock line at its locked level (LockedLevel) before requesting any
// input, so the door is locked before anything is read.
type Opener func(cfg Config) (*Lines, error)

var (
	backendsMu sync.RWMutex
	backends   = map[string]Opener{}
)

// RegisterBackend makes a backend available to OpenLines under name. It
// panics if name is registered twice (a programming error at init time).
func RegisterBackend(name string, open Opener) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if _, dup := backends[name]; dup {
		panic("door: backend registered twice: " + name)
	}
	backends[name] = open
}

// Backends returns the names of the registered backends, sorted.
func Backends() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupBackend(name string) (Opener, bool) {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	o, ok := backends[name]
	return o, ok
}

// OpenLines opens the lines of cfg.Backend. An unknown backend is an error
// listing the known ones.
func OpenLines(cfg Config) (*Lines, error) {
	open, ok := lookupBackend(cfg.Backend)
	if !ok {
		return nil, fmt.Errorf("door: unknown backend %q (known: %s)", cfg.Backend, strings.Join(Backends(), ", "))
	}
	l, err := open(cfg)
	if err != nil {
		return nil, fmt.Errorf("door: backend %s: %w", cfg.Backend, err)
	}
	return l, nil
}
