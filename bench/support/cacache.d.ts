// cacache ships no type declarations; the ingest baseline uses only put.stream.
declare module 'cacache' {
  const cacache: {
    put: {
      stream(cache: string, key: string, options: { integrity: string; algorithms: string[] }): NodeJS.WritableStream;
    };
  };
  export default cacache;
}
