PREFIX ex: <http://example.org/>
INSERT { GRAPH <urn:fuzz:g> { ?x ex:n ?n } } WHERE { VALUES ?n { 1 2 3 } BIND(IRI(CONCAT("urn:x:", STR(?n))) AS ?x) }
