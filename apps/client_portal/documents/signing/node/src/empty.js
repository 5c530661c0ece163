// Stands in for Node's fs in the browser bundle (jkurwa reads files only from paths,
// which the browser never passes).
module.exports = {};
