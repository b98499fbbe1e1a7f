package web

import "net/http"

// officeQueueRoutes registers the office's queue of applications.
func (s *Server) officeQueueRoutes(mux *http.ServeMux) {}
