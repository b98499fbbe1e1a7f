package web

import "net/http"

// cbtRoutes registers the citizen's spa-treatment application pages.
func (s *Server) cbtRoutes(mux *http.ServeMux) {}
