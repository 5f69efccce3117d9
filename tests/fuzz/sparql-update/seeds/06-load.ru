LOAD SILENT <http://127.0.0.1:9/nothing.ttl> INTO GRAPH <urn:fuzz:g>
