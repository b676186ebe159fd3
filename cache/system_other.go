//go:build !linux

package cache

import "runtime"

// systemName follows the keyring go-keyring uses on this OS.
var systemName = func() string {
	switch runtime.GOOS {
	case "darwin", "ios":
		return "keychain"
	case "windows":
		return "wincred"
	default:
		return "secret-service" // the BSDs use it through go-keyring too
	}
}()

// systemItemLimit is the largest value the OS keyring takes through
// go-keyring; NewSystemService chunks larger ones (see Chunked).
var systemItemLimit = func() int {
	switch runtime.GOOS {
	case "windows":
		return 2560 // CRED_MAX_CREDENTIAL_BLOB_SIZE, checked by go-keyring
	case "darwin", "ios":
		// go-keyring base64-encodes the value into one 4096-byte
		// security(1) command with the service and item names: 2,048 raw
		// bytes leave room for long service names and item keys.
		return 2048
	default:
		return 0
	}
}()

// classify is only needed for D-Bus errors on Linux.
func classify(err error) error { return err }

// checkBus is only done on Linux: macOS and Windows do not use D-Bus, and the
// BSDs (rare for credproc) go straight to go-keyring.
func checkBus() error { return nil }
