package cache

import "os"

// KeyringEnv names the environment variable that overrides how [OpenDefault]
// picks keyrings, for tests, benchmarks and troubleshooting:
//
//	auto (or unset)  the platform default: on Linux sessions in the kernel
//	                 keyring and the Secret Service, source keys in the
//	                 Secret Service; elsewhere everything in the OS keyring
//	kernel           sessions only in the kernel keyring (lost at reboot);
//	                 source keys still in the OS keyring
//	secret-service   everything in the OS keyring, no kernel tier (on macOS
//	                 and Windows "system" says the same: the Keychain or the
//	                 Credential Manager)
//
// Any other value is treated as auto.
const KeyringEnv = "CREDPROC_KEYRING"

// OpenDefault opens the Store credproc uses: source keys in the OS keyring
// ([NewSystemService] with service, or [ServiceName] if service is empty),
// and, on Linux, sessions first in the kernel keyring ([NewKernel]) and then
// in the OS keyring as well, so a cache hit costs a syscall instead of
// several D-Bus round trips while sessions still survive a reboot. Where the
// Secret Service is unreachable (SSH, WSL, containers, CI), sessions are
// still cached in the kernel keyring; where the kernel keyring is blocked
// (Docker's seccomp profile), in the Secret Service alone. Source keys go
// to the encrypted file store ([FileStore]) on Linux when no Secret Service
// can work here, or always with CREDPROC_KEYRING=file. [KeyringEnv]
// overrides the choice. dir is as for [OpenTiered].
func OpenDefault(service, dir string) *Store {
	if service == "" {
		service = ServiceName
	}
	durable := NewSystemService(service)
	mode := os.Getenv(KeyringEnv)
	var sources Backend = durable
	if kernelSupported {
		// Without a Secret Service, source keys go to the encrypted file.
		sources = &fallback{primary: durable, file: NewFileStore(DefaultFileStoreDir(), NewKernel(service))}
	}
	var sessions []Backend
	switch mode {
	case "file":
		sources = NewFileStore(DefaultFileStoreDir(), NewKernel(service))
		sessions = []Backend{NewKernel(service)}
	case "kernel":
		sessions = []Backend{NewKernel(service)}
	case "secret-service", "system":
		sources, sessions = durable, []Backend{durable}
	default:
		if kernelSupported {
			sessions = []Backend{NewKernel(service), durable}
		} else {
			sessions = []Backend{durable}
		}
	}
	return OpenTiered(sources, sessions, dir)
}
