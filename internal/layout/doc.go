// Package layout holds no code: its test checks that the hub's packages
// depend on each other the one way the README's architecture section says.
package layout
