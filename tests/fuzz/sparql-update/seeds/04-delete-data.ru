PREFIX ex: <http://example.org/>
DELETE DATA { GRAPH <urn:fuzz:g> { ex:s ex:p "o"@en } } ;
DELETE WHERE { GRAPH <urn:fuzz:g> { ?s ?p ?o } }
