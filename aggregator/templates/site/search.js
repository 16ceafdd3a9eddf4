// The search page: Pagefind's own UI over the base bundle and, when the last builds added
// stories, the delta bundle (see aggregator/site/search.py). ?q= runs a search on load.
window.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("search");
  const root = new URL(box.dataset.root, document.baseURI);
  let bundles = ["pagefind/"];
  try {
    const answer = await fetch(new URL("search-bundles.json", root));
    if (answer.ok) bundles = await answer.json();
  } catch (error) { /* the base bundle alone */ }
  const ui = new PagefindUI({
    element: "#search",
    bundlePath: new URL(bundles[0], root).pathname,
    mergeIndex: bundles.slice(1).map((path) => ({ bundlePath: new URL(path, root).pathname })),
    baseUrl: root.pathname,
    showImages: false,
    resetStyles: false,
  });
  const query = new URLSearchParams(location.search).get("q");
  if (query) ui.triggerSearch(query);
});
