// Package kinds is the registry of connector kinds: one line per kind. It is
// separate from package connectors so kinds can import connectors without a
// cycle.
package kinds

import (
	"github.com/residenthub/residenthub/connectors"
	"github.com/residenthub/residenthub/connectors/file"
	httpconn "github.com/residenthub/residenthub/connectors/http"
	"github.com/residenthub/residenthub/connectors/push"
	sqlconn "github.com/residenthub/residenthub/connectors/sql"
)

// Kinds maps a source's kind (config.Source.Kind) to its factory.
var Kinds = map[string]connectors.Factory{
	"sql":  sqlconn.New,
	"http": httpconn.New,
	"file": file.New,
	"push": push.New,
}
