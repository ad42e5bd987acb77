package simulated

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// ProviderIDPrefix starts every provider ID the simulation hands out. It is not "aws:///" on
// purpose: nothing may mistake a simulated node for a real instance.
const ProviderIDPrefix = "sim:///"

// instanceIDPattern is EC2's current format: "i-" and 17 lowercase hex digits.
var instanceIDPattern = regexp.MustCompile(`^i-[0-9a-f]{17}$`)

// newInstanceID returns a random EC2-style instance id. Random rather than sequential so that two
// provider processes (an agent before and after a restart) never hand out the same id.
func newInstanceID() (string, error) {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating an instance id: %w", err)
	}
	return "i-" + hex.EncodeToString(b[:])[:17], nil
}

// ProviderID formats the provider ID of an instance: sim:///<zone>/<instance-id>, the shape of
// aws:///<zone>/<instance-id>.
func ProviderID(zone, instanceID string) string {
	return ProviderIDPrefix + zone + "/" + instanceID
}

// ParseProviderID splits a provider ID made by ProviderID into its zone and instance id.
func ParseProviderID(providerID string) (zone, instanceID string, err error) {
	rest, ok := strings.CutPrefix(providerID, ProviderIDPrefix)
	if !ok {
		return "", "", fmt.Errorf("provider ID %q does not start with %q", providerID, ProviderIDPrefix)
	}
	zone, instanceID, ok = strings.Cut(rest, "/")
	if !ok || zone == "" || !instanceIDPattern.MatchString(instanceID) {
		return "", "", fmt.Errorf("provider ID %q is not of the form %s<zone>/i-<17 hex digits>", providerID, ProviderIDPrefix)
	}
	return zone, instanceID, nil
}
