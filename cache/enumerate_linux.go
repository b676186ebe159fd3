package cache

import (
	"strings"

	"github.com/godbus/dbus/v5"
)

// Keys lists this service's keys in @u by their description prefix.
func (k *kernel) Keys(prefix string) ([]string, error) {
	ids, err := k.ops.list()
	if err != nil {
		return nil, k.wrap("list @u", err)
	}
	var keys []string
	for _, id := range ids {
		d, err := k.ops.describe(id) // "type;uid;gid;perm;description"
		if err != nil {
			continue // expired or not ours to see
		}
		f := strings.SplitN(d, ";", 5)
		if len(f) != 5 || f[0] != "user" {
			continue
		}
		if key, ok := strings.CutPrefix(f[4], k.prefix); ok && strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	return keys, nil
}

// Keys lists the Secret Service items of this service by attribute (the
// "service" and "username" attributes go-keyring writes), locked ones
// included.
func (b system) Keys(prefix string) ([]string, error) {
	if err := checkBus(); err != nil {
		return nil, err
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return nil, classify(err)
	}
	const dest = "org.freedesktop.secrets"
	var unlocked, locked []dbus.ObjectPath
	call := conn.Object(dest, "/org/freedesktop/secrets").Call("org.freedesktop.Secret.Service.SearchItems", 0, map[string]string{"service": b.service})
	if err := call.Store(&unlocked, &locked); err != nil {
		return nil, classify(err)
	}
	var keys []string
	for _, p := range append(unlocked, locked...) {
		v, err := conn.Object(dest, p).GetProperty("org.freedesktop.Secret.Item.Attributes")
		if err != nil {
			return nil, classify(err)
		}
		attrs, _ := v.Value().(map[string]string)
		if attrs["service"] == b.service && strings.HasPrefix(attrs["username"], prefix) {
			keys = append(keys, attrs["username"])
		}
	}
	return keys, nil
}
