package mqtt

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrClockUnsynced marks TLS failures that are probably caused by a device
// clock that is not synchronised yet (a certificate "not yet valid").
var ErrClockUnsynced = errors.New("device clock is not synchronised (wait for NTP)")

// TLSFiles names the PEM files of a TLS client.
type TLSFiles struct {
	CA, Cert, Key string
	// ServerName is the name the broker certificate must carry.
	ServerName string
}

// NewTLSConfig returns a client TLS config with the client certificate and
// the CA pinned (system roots are not used). now and clockSynced may be nil.
// Certificate validity is checked against now; when a certificate is not
// yet valid and the clock is not synchronised the error wraps
// ErrClockUnsynced and says so.
func NewTLSConfig(f TLSFiles, now func() time.Time, clockSynced func() bool) (*tls.Config, error) {
	if now == nil {
		now = time.Now
	}
	if clockSynced == nil {
		clockSynced = ClockSynced
	}
	caPEM, err := os.ReadFile(f.CA)
	if err != nil {
		return nil, fmt.Errorf("tls: read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("tls: CA file %s holds no PEM certificate", f.CA)
	}
	pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("tls: client certificate %s / key %s: %w", f.Cert, f.Key, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("tls: client certificate %s: %w", f.Cert, err)
	}
	if err := checkValidity("client certificate", leaf, now(), clockSynced()); err != nil {
		return nil, fmt.Errorf("tls: %s: %w", f.Cert, err)
	}
	serverName := f.ServerName
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		ServerName:   serverName,
		MinVersion:   tls.VersionTLS12,
		// Verification is done in VerifyConnection so that it uses the
		// injected clock and can explain a not-yet-valid certificate.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: broker sent no certificate")
			}
			t := now()
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			name := serverName
			if name == "" {
				name = cs.ServerName
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
				Roots: pool, Intermediates: inter, DNSName: name, CurrentTime: t,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
			if err == nil {
				return nil
			}
			for _, c := range cs.PeerCertificates {
				if verr := checkValidity("broker certificate", c, t, clockSynced()); verr != nil && errors.Is(verr, ErrClockUnsynced) {
					return fmt.Errorf("tls: %w (%v)", verr, err)
				}
			}
			return fmt.Errorf("tls: broker certificate: %w", err)
		},
	}, nil
}

func checkValidity(what string, c *x509.Certificate, now time.Time, synced bool) error {
	if now.Before(c.NotBefore) {
		if !synced {
			return fmt.Errorf("%s %q is not valid before %s but the device clock reads %s: %w",
				what, c.Subject.CommonName, c.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), ErrClockUnsynced)
		}
		return fmt.Errorf("%s %q is not valid before %s (device time %s)",
			what, c.Subject.CommonName, c.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.After(c.NotAfter) {
		return fmt.Errorf("%s %q expired at %s (device time %s)",
			what, c.Subject.CommonName, c.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}
