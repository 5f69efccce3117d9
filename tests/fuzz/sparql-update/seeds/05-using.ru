PREFIX ex: <http://example.org/>
INSERT { GRAPH <urn:fuzz:g> { ?s ex:seen true } } USING <urn:fuzz:g> USING NAMED <urn:fuzz:h> WHERE { ?s ?p ?o }
